import { z } from '@hono/zod-openapi';

type PatchShape<S extends z.ZodRawShape> = {
  [K in keyof S]: z.ZodOptional<S[K] extends z.ZodDefault<infer I> ? I : S[K]>;
};

/**
 * The PATCH twin of a create schema: every field optional and without its default, so a field
 * the client leaves out keeps its stored value. (`input.partial()` keeps the defaults: a patch
 * of one field came back with every defaulted field reset.) Fields named in `clearable` also
 * accept `null`, which removes the stored value.
 *
 * @example
 * const brandPatch = patchOf(brandInput, ['topics']).openapi('BrandPatch');
 */
export function patchOf<S extends z.ZodRawShape>(
  input: z.ZodObject<S>,
  clearable: readonly (keyof S & string)[] = [],
): z.ZodObject<PatchShape<S>> {
  const shape: Record<string, z.ZodType> = {};
  for (const [k, v] of Object.entries(input.shape) as [string, z.ZodType][]) {
    const bare = v instanceof z.ZodDefault ? (v.unwrap() as z.ZodType) : v;
    shape[k] = clearable.includes(k) ? bare.nullable().optional() : bare.optional();
  }
  return z.object(shape).strict() as unknown as z.ZodObject<PatchShape<S>>;
}

/**
 * RFC 7396 JSON merge patch: objects merge key by key, `null` removes a key, anything else
 * (arrays included) replaces.
 *
 * @example
 * mergePatch({ url: 'a', query: 'q' }, { query: null, lang: 'en' }) // { url: 'a', lang: 'en' }
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
