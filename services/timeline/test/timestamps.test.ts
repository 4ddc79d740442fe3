// timeline-svc reads timestamptz columns with its own parser (adapters/read-db.ts): the same
// instant as pg's parser for every value PostgreSQL sends, and pg's own answer for the forms it
// leaves to pg. Against pg's parser directly, and through the read pool from a real server in
// time zones with whole-hour and half-hour offsets.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { connectReadDb, parseTimestamptz, type ReadDb } from '../src/adapters/read-db.ts';
import { TEST_DATABASE_URL } from '../../../test/support/spawn-service.ts';

const pgParser = pg.types.getTypeParser(1184, 'text') as (text: string) => Date;
const timeOf = (d: Date): string => (Number.isNaN(d.getTime()) ? 'NaN' : String(d.getTime()));

describe('timestamptz parsing', () => {
  let db: ReadDb;
  before(() => {
    db = connectReadDb(TEST_DATABASE_URL, 1, 5000);
  });
  after(() => db.close());

  it('when PostgreSQL-formatted instants are parsed, then each equals what pg parses, to the millisecond', () => {
    const offsets = ['+00', '+09', '-08', '+05:30', '-03:30', '+14'];
    for (let i = 0; i < 20_000; i += 1) {
      const base = new Date(Math.floor(Math.random() * 4_102_444_800_000)).toISOString(); // 1970-2100
      const fraction = ['', '.1', '.12', '.123', '.1234', '.12345', '.123456', '.999999'][i % 8];
      const text = `${base.slice(0, 10)} ${base.slice(11, 19)}${fraction}${offsets[i % offsets.length]}`;
      assert.equal(timeOf(parseTimestamptz(text, pgParser)), timeOf(pgParser(text)), text);
    }
  });

  it('when a value is in a form it does not read (BC, infinity, an early year, an offset with seconds), then pg parses it', () => {
    for (const text of ['infinity', '-infinity', '2000-01-01 00:00:00+00 BC', '0099-06-01 12:00:00+00', '1890-01-01 00:00:00+00:19:32', '2025-13-01 00:00:00+00', 'garbage']) {
      assert.equal(String(parseTimestamptz(text, pgParser)), String(pgParser(text)), text);
    }
  });

  it('when timestamps come through the read pool in several session time zones, then they are the instants PostgreSQL holds', async () => {
    for (const zone of ['UTC', 'Asia/Seoul', 'Asia/Kolkata', 'America/St_Johns']) {
      const rows = await db.query<{ at: Date; ms: string }>(
        `select at, floor(extract(epoch from at) * 1000)::bigint::text as ms from (select set_config('TimeZone', $1, false)) z,
           (values (timestamptz '2025-11-02 09:15:00.123456+00'), (timestamptz '1999-12-31 23:59:59.999+00'), (now())) v(at)`,
        [zone],
      );
      for (const row of rows) assert.equal(String(row.at.getTime()), row.ms, zone);
    }
  });
});
