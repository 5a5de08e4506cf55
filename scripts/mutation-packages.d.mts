/** The device packages under mutation testing (scripts/mutation-packages.mjs). */
export declare const MUTATION_PACKAGES: Record<string, { mutate: string[]; tests: string[]; break: number; gate: boolean }>;
