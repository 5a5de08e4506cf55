import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // Test fixtures are tiny fake repositories (their .ts files belong to no project).
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'out/**',
      'coverage/**',
      '.stryker-tmp/**',
      'reports/**',
      'packages/*/*/test-fixtures/**',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: {
        project: ['./packages/*/*/tsconfig.json', './tsconfig.test.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-non-null-assertion': 'error',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
  },
);
