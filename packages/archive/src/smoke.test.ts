import { expect, test } from 'vitest';
test('workspace builds', () => { expect(1 + 1).toBe(2); });
