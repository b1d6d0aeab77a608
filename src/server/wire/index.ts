export { createSqlServer, type SqlApiKey, type SqlServer, type SqlServerOptions } from './sql-server.js';
export { formatVerifier, parseVerifier, scramVerifier } from './scram.js';
export { buildSurface, type Surface, type SurfaceTable } from './surface.js';
export { translateSelect, SqlError } from './translate.js';
