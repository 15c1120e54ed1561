// DEV-ONLY — NOT FOR PRODUCTION: ClickHouse's HTTP interface over chDB. Run dist/main.js.
export { createChdbHttpServer, type ChdbHttpServer, type ChdbHttpServerOptions } from './chdb-http.server.js';
export { decodeHttpParam } from './http-param.decoder.js';
