/**
 * Chromium's command-line flags for the report's browser test and bench: a browser that calls
 * nobody while it is tested or timed (no updates, sync, QUIC or background requests), without a
 * GPU, and without its own sandbox when run as root (Chromium refuses to start otherwise).
 */
export function quietChromiumArgs(): string[] {
  return [
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
}
