export * from './types.js';
export { planNode, planHooks, PLANNED_MATERIALIZATIONS, targetOf } from './plan-node.js';
export { builtinMaterialization, builtinMaterializationNames, userMaterialization, type MaterializationRecord } from './materializations.js';
export { PlanError } from './plan-error.js';
export { readModelConfig } from './model-config.js';
export type { ModelConfig, IndexConfig, PartitionConfig, HookConfig, IncrementalStrategy, OnSchemaChange } from './model-config.js';
export { replaceableColumns } from './plan-view.js';
export { runTag, tempRef, backupRef, TEMP_MARKER, BACKUP_MARKER, ident, qualified } from './sql.js';
export { renderPlan } from './render-plan.js';
