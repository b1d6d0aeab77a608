/**
 * zod shapes of the feature YAML keys, before cross-references are checked.
 * Objects are strict so a misspelt key is a located error, not silently ignored.
 */
import { z } from 'zod';

const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an identifier (letters, digits, _)');
const tags = z.array(z.string()).default([]);

export const rawEntity = z.strictObject({
  name,
  join_keys: z.array(z.string().min(1)).min(1, 'needs at least one join key'),
  description: z.string().default(''),
});

export const rawFeature = z.strictObject({
  name,
  type: z.string(),
  description: z.string().default(''),
  impute: z.union([z.string(), z.number(), z.boolean()]).optional(),
  tags,
});

export const rawFeatureView = z.strictObject({
  name,
  entity: z.string(),
  source: z.string().min(1),
  timestamp: z.string().min(1),
  created_timestamp: z.string().min(1).optional(),
  ttl: z.union([z.string(), z.number()]).optional(),
  owner: z.string().optional(),
  tags,
  description: z.string().default(''),
  online: z.boolean().default(true),
  features: z.array(z.unknown()).min(1, 'needs at least one feature'),
});

export const rawFeatureService = z.strictObject({
  name,
  description: z.string().default(''),
  owner: z.string().optional(),
  tags,
  features: z.array(z.string()).min(1, 'needs at least one feature'),
});

export type RawEntity = z.infer<typeof rawEntity>;
export type RawFeature = z.infer<typeof rawFeature>;
export type RawFeatureView = z.infer<typeof rawFeatureView>;
export type RawFeatureService = z.infer<typeof rawFeatureService>;
