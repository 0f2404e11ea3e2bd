import { describe, expect, it } from 'vitest';
import { CliError } from '../errors.js';
import { validatePlan } from './plan.js';

const refusal = (document: unknown): string => {
  try {
    validatePlan(document, 'plan.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).kind).toBe('invalid');
    return (error as CliError).message;
  }
  throw new Error('expected the plan to be refused');
};

describe('validatePlan', () => {
  it('fills defaults into every entry, an entry overriding them', () => {
    const plan = validatePlan(
      {
        defaults: { strict: true, requireTarget: ['x86_64-linux'] },
        promotions: [
          { from: 'a/b:v1', to: 'c/d:v1' },
          { from: 'a/b:v2', to: 'c/d:v2', tags: ['stable'], strict: false, requireIssuer: ['AAA'] },
        ],
      },
      'plan.yaml',
    );
    expect(plan.concurrency).toBe(4);
    expect(plan.promotions).toEqual([
      { from: 'a/b:v1', to: 'c/d:v1', tags: [], policy: { strict: true, requireIssuer: [], requireTarget: ['x86_64-linux'], requireReferrer: [] }, referrers: [] },
      {
        from: 'a/b:v2',
        to: 'c/d:v2',
        tags: ['stable'],
        policy: { strict: false, requireIssuer: ['AAA'], requireTarget: ['x86_64-linux'], requireReferrer: [] },
        referrers: [],
      },
    ]);
  });

  it('names the file, the entry and the key of a mistake', () => {
    expect(refusal([])).toBe('plan.yaml: a plan is a mapping with a "promotions" list');
    expect(refusal({ promotions: [] })).toBe('plan.yaml: "promotions" must be a non-empty list');
    expect(refusal({ promotions: [{ from: 'a/b:v1' }] })).toBe('plan.yaml: promotions[0].to: a reference is required');
    expect(refusal({ promotions: [{ from: 'a', to: 'b', tag: ['x'] }] })).toMatch(/^plan\.yaml: promotions\[0\]: unknown key "tag"/);
    expect(refusal({ promotions: [{ from: 'a', to: 'b', strict: 'yes' }] })).toBe('plan.yaml: promotions[0].strict: must be true or false');
    expect(refusal({ promotions: [{ from: 'a', to: 'b', requireIssuer: [1] }] })).toBe('plan.yaml: promotions[0].requireIssuer: must be a list of strings');
    expect(refusal({ concurrency: 0, promotions: [{ from: 'a', to: 'b' }] })).toBe('plan.yaml: concurrency must be an integer from 1 to 32');
    expect(refusal({ defaults: { tags: ['x'] }, promotions: [{ from: 'a', to: 'b' }] })).toMatch(/^plan\.yaml: defaults: unknown key "tags"/);
  });
});

const entry = { from: 'r.example/a:1', to: 'r.example/b:1' };

describe('plan: referrers and requireReferrer', () => {
  it('referrers default to all; defaults and entries may say false or a list of types', () => {
    const plan = validatePlan(
      {
        defaults: { referrers: ['application/spdx+json'], requireReferrer: ['application/spdx+json'] },
        promotions: [entry, { ...entry, referrers: false }, { ...entry, referrers: true, requireReferrer: [] }],
      },
      'plan.yaml',
    );
    expect(plan.promotions.map((p) => p.referrers)).toEqual([['application/spdx+json'], false, []]);
    expect(plan.promotions.map((p) => p.policy.requireReferrer)).toEqual([['application/spdx+json'], ['application/spdx+json'], []]);
    expect(validatePlan({ promotions: [entry] }, 'p').promotions[0]).toMatchObject({ referrers: [], policy: { requireReferrer: [] } });
  });

  it('a wrong value names the file, entry and key', () => {
    expect(() => validatePlan({ promotions: [{ ...entry, referrers: 'yes' }] }, 'plan.yaml')).toThrow(
      'plan.yaml: promotions[0].referrers: must be true, false or a non-empty list of artifact types',
    );
    expect(() => validatePlan({ defaults: { referrers: [] }, promotions: [entry] }, 'plan.yaml')).toThrow('plan.yaml: defaults.referrers');
    expect(() => validatePlan({ defaults: { requireReferrer: 'x' }, promotions: [entry] }, 'plan.yaml')).toThrow(
      'plan.yaml: defaults.requireReferrer: must be a list of strings',
    );
  });
});
