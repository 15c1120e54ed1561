// Polls a condition until it holds, for tests that wait on something asynchronous they do not
// control (a projection catching up, a process coming back); fails with a plain message after
// `timeoutMs`.
export async function waitFor(check: () => boolean | Promise<boolean>, { timeoutMs = 60_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
