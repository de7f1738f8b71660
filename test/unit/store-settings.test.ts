import { describeStore } from '../../src/store/open';
import { loadStoreSettings, StoreSettingsError } from '../../src/store/settings';

describe('which store the environment chooses', () => {
  test('nothing set: the embedded store in ./data/store.jsonl', () => {
    expect(loadStoreSettings({})).toEqual({ kind: 'embedded', file: './data/store.jsonl' });
  });

  test('STORE_FILE=memory:// keeps nothing; another STORE_FILE is used as given', () => {
    expect(loadStoreSettings({ STORE_FILE: 'memory://' })).toEqual({ kind: 'embedded' });
    expect(loadStoreSettings({ STORE_FILE: '/var/lib/fls/store.jsonl' })).toEqual({
      kind: 'embedded',
      file: '/var/lib/fls/store.jsonl',
    });
  });

  test('PGLITE_DATA_DIR opts in to PGlite (memory:// in memory)', () => {
    expect(loadStoreSettings({ PGLITE_DATA_DIR: './data/pglite', STORE_FILE: 'x' })).toEqual({
      kind: 'pglite',
      dataDir: './data/pglite',
    });
    expect(loadStoreSettings({ PGLITE_DATA_DIR: 'memory://' })).toEqual({ kind: 'pglite' });
  });

  test('DATABASE_URL wins over both', () => {
    const url = 'postgres://fls:secret@db.example.org:5432/fls';
    expect(loadStoreSettings({ DATABASE_URL: url, PGLITE_DATA_DIR: './data/pglite' })).toEqual({
      kind: 'postgres',
      url,
    });
  });

  test('a DATABASE_URL that is no postgres URL is refused without echoing it', () => {
    const attempt = () => loadStoreSettings({ DATABASE_URL: 'mysql://user:hunter2@db/x' });
    expect(attempt).toThrow(StoreSettingsError);
    expect(attempt).toThrow(/DATABASE_URL: must be a postgres/);
    expect(attempt).not.toThrow(/hunter2/);
  });

  test('the log line names the store and where it lives, never credentials', () => {
    expect(describeStore({ kind: 'embedded' })).toEqual({ store: 'embedded', file: 'memory' });
    expect(describeStore({ kind: 'embedded', file: './data/store.jsonl' })).toEqual({
      store: 'embedded',
      file: './data/store.jsonl',
    });
    expect(
      describeStore({ kind: 'postgres', url: 'postgres://fls:secret@db.example.org:5432/fls' }),
    ).toEqual({ store: 'postgres', host: 'db.example.org:5432', database: 'fls' });
  });
});
