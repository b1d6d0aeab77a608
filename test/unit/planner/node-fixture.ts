/** Builds a ManifestNode for planner tests with only the fields the planner reads. */
import type { ManifestNode, NodeConfig } from '../../../src/compiler/types.js';

export function modelNode(name: string, sql: string, config: Partial<NodeConfig> & Record<string, unknown> = {}, schema = 'analytics'): ManifestNode {
  return {
    unique_id: `model.test.${name}`,
    resource_type: 'model',
    name,
    package_name: 'test',
    path: `${name}.sql`,
    original_file_path: `models/${name}.sql`,
    fqn: ['test', name],
    database: 'postgres',
    schema,
    alias: name,
    relation_name: `"${schema}"."${name}"`,
    config: { enabled: true, materialized: 'table', tags: [], meta: {}, ...config },
    tags: [],
    description: '',
    columns: {},
    meta: {},
    raw_code: sql,
    compiled_code: sql,
    depends_on: { nodes: [], macros: [] },
    refs: [],
    sources: [],
    checksum: { name: 'sha256', checksum: '' },
    strata: { config_hash: '', macros_hash: '', inputs_hash: '', vars_read: [], env_read: [], reads_target: false },
    patch_path: null,
    loc: { line: 1, col: 1 },
  };
}
