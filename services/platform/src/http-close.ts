// Stopping an HTTP server whose keep-alive connections outlive its clients' (keepAliveTimeout
// 65 s): server.close() closes the connections idle at that moment and then waits for every other
// one to end by itself. A connection whose request was under way becomes idle once answered and
// was then held open for its keep-alive time: a platform that got SIGTERM while it delivered to
// itself (the population projection's deliveries after a demo load) took 30–74 s to stop.
import type { Server } from 'node:http';

/**
 * Stops accepting connections, lets the requests under way be answered, and closes each
 * connection as soon as it is idle; resolves when the last one is closed. Requests under way are
 * not cut off (as server.close() alone).
 */
export async function closeHttpServer(server: Server, sweepMs = 50): Promise<void> {
  if (!server.listening) {
    server.closeAllConnections();
    return;
  }
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), sweepMs);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
  }
}
