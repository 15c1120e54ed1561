// Calls in flight of an adapter, so that close() can wait for what is running before it releases
// the engine (exported as @sp/ports/in-flight; both Warehouse adapters use it). Pure code, no engine.

export interface InFlight {
  /**
   * Starts a call and counts it as in flight until it settles. Whatever it throws, at once (some
   * engines throw synchronously, e.g. on a bind error) or when awaited, goes through `mapError`.
   */
  track<R>(start: () => Promise<R>, mapError: (error: unknown) => Error): Promise<R>;
  /** Resolves once every call started so far has settled; never rejects. */
  settled(): Promise<void>;
}

export function inFlight(): InFlight {
  const running = new Set<Promise<unknown>>();
  return {
    async track<R>(start: () => Promise<R>, mapError: (error: unknown) => Error): Promise<R> {
      let promise: Promise<R>;
      try {
        promise = start();
      } catch (error) {
        throw mapError(error);
      }
      running.add(promise);
      try {
        return await promise;
      } catch (error) {
        throw mapError(error);
      } finally {
        running.delete(promise);
      }
    },
    async settled(): Promise<void> {
      await Promise.allSettled([...running]);
    },
  };
}
