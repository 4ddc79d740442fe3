// The compiled response shapers against the real protos: int64 values decoded by protobufjs as
// Long {low, high} become JSON numbers straight from their halves when safe (positive,
// negative, above 2^32) and their exact decimal text when not; a shaper is built once per type.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Root, Type } from 'protobufjs';
import { isoMillis, longJson, messageToJson, shaperOf, timestampJson } from '../src/domain/json-out.ts';
import { protoRoot } from './support/harness.ts';

describe('compiled response shapers', () => {
  let post: Type;
  before(async () => {
    const root: Root = await protoRoot();
    post = root.lookupType('dailyfeed.timeline.v1.Post');
  });

  const decoded = (fields: Record<string, unknown>): Record<string, unknown> => post.decode(post.encode(post.fromObject(fields)).finish());

  it('when int64 values are decoded, then safe ones are exact numbers and unsafe ones their decimal text', () => {
    const json = messageToJson(post, decoded({ id: '9007199254740991', author_id: '4294967297', view_count: '9007199254740993', like_count: '-5', comment_count: '0' }));
    assert.equal(json['id'], 9007199254740991);
    assert.equal(json['authorId'], 4294967297);
    assert.equal(json['viewCount'], '9007199254740993');
    assert.equal(json['likeCount'], -5);
    assert.equal(json['commentCount'], 0);
  });

  it('when a Long is unsigned or beyond the safe range, then longJson keeps every digit', () => {
    assert.equal(longJson({ low: -1, high: -1, unsigned: true, toString: () => '18446744073709551615' }), '18446744073709551615');
    assert.equal(longJson({ low: -1, high: -1, unsigned: false, toString: () => '-1' }), -1);
    assert.equal(longJson({ low: 0, high: 2097152, unsigned: false, toString: () => '9007199254740992' }), '9007199254740992');
    assert.equal(longJson('12'), 12);
  });

  it('when the same type is shaped twice, then the one compiled shaper is reused', () => {
    assert.equal(shaperOf(post), shaperOf(post));
  });

  it('when any instant of years 0001-9999 is formatted, then the text is exactly what Date#toISOString gives', () => {
    const first = new Date('0001-01-01T00:00:00.000Z').getTime();
    const last = new Date('9999-12-31T23:59:59.999Z').getTime();
    fc.assert(fc.property(fc.integer({ min: first, max: last }), (ms) => isoMillis(ms) === new Date(ms).toISOString()), { numRuns: 20_000 });
    for (const text of ['1970-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '2000-02-29T12:00:00.001Z', '1900-03-01T00:00:00.000Z', '2100-02-28T23:59:59.999Z', '0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z']) {
      assert.equal(isoMillis(new Date(text).getTime()), text);
    }
    assert.equal(isoMillis(new Date('+010000-01-01T00:00:00.000Z').getTime()), '+010000-01-01T00:00:00.000Z');
  });

  it('when a Timestamp is shaped, then its seconds (a Long) and nanos become milliseconds in UTC', () => {
    assert.equal(timestampJson({ seconds: { low: 1_762_074_900, high: 0 }, nanos: 123_999_999 }), '2025-11-02T09:15:00.123Z');
    assert.equal(timestampJson({ seconds: '0', nanos: 0 }), '1970-01-01T00:00:00.000Z');
  });
});
