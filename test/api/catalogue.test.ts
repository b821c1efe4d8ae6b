import { describe, expect, it } from 'vitest';
import { API } from '../../src/api/index.ts';
import { CATALOGUE } from '../../src/trace/catalogue.ts';

describe('API table', () => {
  it('models exactly the functions the catalogue declares', () => {
    expect([...API.keys()].sort()).toEqual([...CATALOGUE.keys()].sort());
  });
});
