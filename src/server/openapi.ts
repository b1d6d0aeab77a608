/**
 * The OpenAPI 3.1 description served at `GET /api/v1/openapi.json`.
 *
 * @example openApiDocument().paths['/api/v1/query'].post.summary // 'Run a metric query'
 */
export function openApiDocument(): Record<string, unknown> {
  const err = { $ref: '#/components/responses/Error' };
  const errors = { '400': err, '401': err, '403': err, '429': err, '500': err, '503': err };
  const secured = [{ bearer: [] }];
  const queryBody = { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/MetricQuery' } } } };
  const result = { '200': { description: 'rows', content: { 'application/json': { schema: { $ref: '#/components/schemas/QueryResponse' } } } }, ...errors };
  return {
    openapi: '3.1.0',
    info: { title: 'Strata metric API', version: '1' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      responses: {
        Error: {
          description: 'error',
          content: { 'application/json': { schema: { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, request_id: { type: 'string' }, diagnostics: { type: 'array' } } } } } } },
        },
      },
      schemas: {
        MetricQuery: {
          type: 'object',
          additionalProperties: false,
          properties: {
            metrics: { type: 'array', items: { type: 'string' } },
            dimensions: { type: 'array', items: { type: 'string' }, description: 'model.dimension or model.time_dimension.granularity' },
            filters: { type: 'array', items: { type: 'object', required: ['member', 'op'], properties: { member: { type: 'string' }, op: { enum: ['equals', 'not_equals', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'between', 'contains', 'is_null', 'not_null'] }, values: { type: 'array' } } } },
            segments: { type: 'array', items: { type: 'string' } },
            time_range: { type: 'object', required: ['dimension'], properties: { dimension: { type: 'string' }, from: { type: 'string', format: 'date' }, to: { type: 'string', format: 'date' } } },
            order: { type: 'array', items: { type: 'object', required: ['member'], properties: { member: { type: 'string' }, desc: { type: 'boolean' } } } },
            limit: { type: 'integer', minimum: 1, maximum: 1000000 },
            offset: { type: 'integer', minimum: 0, description: 'rows skipped (pages are ordered by order, then the dimensions)' },
            timezone: { type: 'string', description: 'IANA time zone time members, time_range and time filters are read in (default UTC)' },
            saved_query: { type: 'string', description: 'run this saved query: its metrics, dimensions and filters (metrics may be a subset; filters, order, limit, offset apply on top)' },
            drill: { type: 'object', required: ['hierarchy'], properties: { hierarchy: { type: 'string' }, path: { type: 'object' } } },
          },
        },
        QueryResponse: {
          type: 'object',
          properties: {
            columns: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, type: { enum: ['string', 'number', 'boolean', 'time'] } } } },
            rows: { type: 'array', items: { type: 'object' } },
            meta: { type: 'object', properties: { cache: { enum: ['hit', 'miss'] }, rollup: { type: ['string', 'null'] }, ms: { type: 'number' } } },
          },
        },
      },
    },
    paths: {
      '/health': { get: { summary: 'Liveness and database reachability', responses: { '200': { description: 'ok' }, '503': { description: 'database unavailable' } } } },
      '/api/v1/meta': { get: { summary: 'Members the caller may see', security: secured, responses: { '200': { description: 'models, metrics, hierarchies' }, ...errors } } },
      '/api/v1/query': { post: { summary: 'Run a metric query', security: secured, requestBody: queryBody, responses: result } },
      '/api/v1/metrics/{name}': {
        get: {
          summary: 'One metric by dimensions (for BI tools)',
          security: secured,
          parameters: [
            { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'by', in: 'query', schema: { type: 'string' }, description: 'comma-separated dimensions' },
            { name: 'filter', in: 'query', schema: { type: 'string' }, description: 'member:op:value[,value]; repeatable' },
            { name: 'from', in: 'query', schema: { type: 'string', format: 'date' } },
            { name: 'to', in: 'query', schema: { type: 'string', format: 'date' } },
            { name: 'time_dimension', in: 'query', schema: { type: 'string' } },
            { name: 'order', in: 'query', schema: { type: 'string' }, description: 'comma-separated; - prefix for descending' },
            { name: 'limit', in: 'query', schema: { type: 'integer' } },
          ],
          responses: result,
        },
      },
      '/api/v1/sql': { post: { summary: 'Compiled SQL and parameters (roles with show_sql)', security: secured, requestBody: queryBody, responses: { '200': { description: 'sql, params, plan' }, ...errors } } },
      '/cubejs-api/v1/load': {
        get: { summary: 'Cube-compatible load (?query=<json>)', security: secured, responses: { '200': { description: 'Cube result' }, ...errors } },
        post: { summary: 'Cube-compatible load ({query})', security: secured, responses: { '200': { description: 'Cube result' }, ...errors } },
      },
      '/cubejs-api/v1/sql': {
        get: { summary: 'Cube-compatible compiled SQL (?query=<json>; roles with show_sql)', security: secured, responses: { '200': { description: '{sql: {sql: [text, params], order}}' }, ...errors } },
        post: { summary: 'Cube-compatible compiled SQL ({query}; roles with show_sql)', security: secured, responses: { '200': { description: '{sql: {sql: [text, params], order}}' }, ...errors } },
      },
      '/cubejs-api/v1/dry-run': {
        get: { summary: 'Cube-compatible dry run: validates and plans (?query=<json>) without running', security: secured, responses: { '200': { description: 'queryType, normalizedQueries, pivotQuery, queryOrder' }, ...errors } },
        post: { summary: 'Cube-compatible dry run ({query})', security: secured, responses: { '200': { description: 'queryType, normalizedQueries, pivotQuery, queryOrder' }, ...errors } },
      },
      '/cubejs-api/v1/meta': { get: { summary: 'Cube-compatible meta (cubes the caller may see)', security: secured, responses: { '200': { description: 'cubes' }, ...errors } } },
    },
  };
}
