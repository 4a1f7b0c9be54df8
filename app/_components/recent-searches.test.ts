import { describe, expect, it } from 'vitest';
import { loadRecent, MAX_RECENT, rememberSearch, saveRecent } from './recent-searches';

class MemoryStorage {
  data = new Map<string, string>();
  getItem(key: string) {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.data.set(key, value);
  }
}

describe('recent searches', () => {
  it('puts the newest first, without duplicates or blanks, and keeps a few', () => {
    let list: string[] = [];
    for (const q of ['power:on', 'state:failed', ' power:on ', '', ...'abcdefg']) {
      list = rememberSearch(list, q);
    }
    expect(list).toHaveLength(MAX_RECENT);
    expect(list.slice(0, 2)).toEqual(['g', 'f']);
    expect(rememberSearch(['a', 'b'], 'b')).toEqual(['b', 'a']);
  });

  it('round-trips through storage and shrugs off junk', () => {
    const storage = new MemoryStorage();
    saveRecent(storage, ['power:on', 'cpus:>=32']);
    expect(loadRecent(storage)).toEqual(['power:on', 'cpus:>=32']);
    storage.setItem('baremetal-lab:recent-searches', '{not json');
    expect(loadRecent(storage)).toEqual([]);
    storage.setItem('baremetal-lab:recent-searches', JSON.stringify([1, 'x']));
    expect(loadRecent(storage)).toEqual(['x']);
    expect(loadRecent(undefined)).toEqual([]);
  });
});
