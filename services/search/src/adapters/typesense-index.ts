// The Typesense engine (SEARCH_ENGINE=typesense) behind the same SearchIndex port as PostgreSQL.
// It talks to Typesense's documented HTTP API with fetch (no client library: the `typesense`
// package had been removed from this workspace, and it would bring axios and its own retry and
// node-rotation loop for six endpoints; fetch gives one AbortSignal timeout per request).
//
// One collection holds posts (`post-<id>`) and comments (`comment-<id>`), each with its event
// time (`event_at`, ms) and an `is_deleted` flag: deletes are tombstones, so a late create cannot
// revive a deleted document. Typesense has no conditional write, so each change reads the stored
// document first and writes only when the change is not older (compare, then upsert). That is
// safe because the indexer applies the changes of one partition in order, one at a time, and a
// document's events share a partition key within a batch; two indexers racing on one document
// could interleave (documented limit).
//
// Comment likes are not text: they stay in PostgreSQL (`likes`), and a comment deleted here
// counts 0, as in the PostgreSQL engine. Any failure to reach Typesense (refused, timeout, 5xx)
// is UNAVAILABLE / DATABASE_UNAVAILABLE with `store: typesense` (retryable; the edge answers 503).
import type { IndexChange } from '../domain/index-event.ts';
import { DomainError } from '../domain/errors.ts';
import type { IdPage, IndexedComment, IndexedPost, SearchIndex } from '../domain/search-engine.ts';

export interface TypesenseOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly collection: string;
  readonly timeoutMs: number;
}

/** The stored document (Typesense field names). Ids are strings; numbers are int64 (ms for times). */
interface Doc {
  id: string;
  kind: 'post' | 'comment';
  seq: number;
  post_id: number;
  parent_id?: number;
  author_id: string;
  content: string;
  depth: number;
  created_at: number;
  updated_at: number;
  event_at: number;
  is_deleted: boolean;
}

interface SearchResponse {
  found: number;
  hits?: { document: Doc }[];
  facet_counts?: { field_name: string; counts: { value: string; count: number }[] }[];
}

/** Typesense's per_page ceiling. */
const MAX_PER_PAGE = 250;

export const COLLECTION_FIELDS = [
  { name: 'kind', type: 'string' },
  { name: 'seq', type: 'int64' },
  { name: 'post_id', type: 'int64' },
  { name: 'parent_id', type: 'int64', optional: true, facet: true },
  { name: 'author_id', type: 'string', index: false, optional: true },
  // infix: a keyword matches inside words too, like the PostgreSQL engine's substring match.
  { name: 'content', type: 'string', infix: true },
  { name: 'depth', type: 'int32' },
  { name: 'created_at', type: 'int64' },
  { name: 'updated_at', type: 'int64' },
  { name: 'event_at', type: 'int64' },
  { name: 'is_deleted', type: 'bool' },
] as const;

// Exact words (no typos, every word required), inside words too, across the whole text.
const KEYWORD_PARAMS = { query_by: 'content', infix: 'always', prefix: 'false', num_typos: '0', drop_tokens_threshold: '0', typo_tokens_threshold: '0' };

const postKey = (id: string): string => `post-${id}`;
const commentKey = (id: string): string => `comment-${id}`;

function unavailable(detail: string, cause?: unknown): DomainError {
  return new DomainError('unavailable', 'DATABASE_UNAVAILABLE', 'the search engine is unavailable; retry later', {
    metadata: { store: 'typesense', retry_after_seconds: '1' },
    cause: cause ?? new Error(detail),
  });
}

interface Http {
  /** JSON body back; `undefined` for 404 when `missingOk`. */
  request<T>(method: string, path: string, options?: { body?: unknown; raw?: string; missingOk?: boolean }): Promise<T | undefined>;
}

function createHttp(options: TypesenseOptions): Http {
  const base = options.url.replace(/\/+$/, '');
  return {
    async request<T>(method: string, path: string, o: { body?: unknown; raw?: string; missingOk?: boolean } = {}) {
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          method,
          headers: { 'X-TYPESENSE-API-KEY': options.apiKey, 'Content-Type': o.raw === undefined ? 'application/json' : 'text/plain' },
          ...(o.raw !== undefined ? { body: o.raw } : o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (err: unknown) {
        throw unavailable(`${method} ${path}: no answer`, err);
      }
      const text = await res.text().catch((err: unknown) => {
        throw unavailable(`${method} ${path}: body lost`, err);
      });
      if (res.status === 404 && o.missingOk) return undefined;
      if (res.status >= 500 || res.status === 429) throw unavailable(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
      // 4xx other than the above is our bug (bad filter, bad schema, wrong key): INTERNAL with the cause logged.
      if (!res.ok) throw new Error(`typesense ${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
      return (o.raw !== undefined ? text : JSON.parse(text)) as T;
    },
  };
}

const toDate = (ms: number): Date => new Date(ms);

function toPost(d: Doc): IndexedPost {
  return { postId: String(d.seq), authorId: d.author_id, content: d.content, createdAt: toDate(d.created_at), updatedAt: toDate(d.updated_at) };
}

function toComment(d: Doc, replies: ReadonlyMap<string, number>): IndexedComment {
  return {
    commentId: String(d.seq),
    postId: String(d.post_id),
    parentId: d.parent_id === undefined ? null : String(d.parent_id),
    authorId: d.author_id,
    content: d.content,
    depth: d.depth,
    replyCount: replies.get(String(d.seq)) ?? 0,
    createdAt: toDate(d.created_at),
    updatedAt: toDate(d.updated_at),
  };
}

/** Creates the collection unless it exists (idempotent; a concurrent creator's 409 is fine). */
export async function ensureCollection(options: TypesenseOptions): Promise<void> {
  const http = createHttp(options);
  const name = encodeURIComponent(options.collection);
  if (await http.request('GET', `/collections/${name}`, { missingOk: true })) return;
  try {
    await http.request('POST', '/collections', { body: { name: options.collection, fields: COLLECTION_FIELDS } });
  } catch (err: unknown) {
    if (err instanceof Error && /: 409 /.test(err.message)) return;
    throw err;
  }
}

export function createTypesenseIndex(options: TypesenseOptions, likes: Pick<SearchIndex, 'applyMany' | 'commentLikeCounts'>): SearchIndex {
  const http = createHttp(options);
  const docs = `/collections/${encodeURIComponent(options.collection)}/documents`;

  const get = (id: string): Promise<Doc | undefined> => http.request<Doc>('GET', `${docs}/${encodeURIComponent(id)}`, { missingOk: true });
  const upsert = async (doc: Doc): Promise<void> => {
    await http.request('POST', `${docs}?action=upsert`, { body: doc });
  };
  const updateWhere = async (filter: string, patch: Partial<Doc>): Promise<void> => {
    await http.request('PATCH', `${docs}?${new URLSearchParams({ filter_by: filter }).toString()}`, { body: patch });
  };
  const search = async (params: Record<string, string>): Promise<SearchResponse> =>
    (await http.request<SearchResponse>('GET', `${docs}/search?${new URLSearchParams(params).toString()}`))!;

  /** Every id matching the filter (all pages). */
  const idsWhere = async (filter: string): Promise<number[]> => {
    const ids: number[] = [];
    for (let page = 1; ; page++) {
      const res = await search({ q: '*', filter_by: filter, per_page: String(MAX_PER_PAGE), page: String(page), include_fields: 'seq' });
      const hits = res.hits ?? [];
      ids.push(...hits.map((h) => h.document.seq));
      if (hits.length < MAX_PER_PAGE) return ids;
    }
  };

  /** Live direct replies per comment id. */
  const replyCounts = async (rows: readonly Doc[]): Promise<Map<string, number>> => {
    if (rows.length === 0) return new Map();
    const res = await search({
      q: '*',
      filter_by: `kind:=comment && is_deleted:=false && parent_id:=[${rows.map((r) => r.seq).join(',')}]`,
      facet_by: 'parent_id',
      max_facet_values: String(rows.length),
      per_page: '0',
    });
    const counts = res.facet_counts?.find((f) => f.field_name === 'parent_id')?.counts ?? [];
    return new Map(counts.map((c) => [c.value, c.count]));
  };

  const page = async (params: Record<string, string>, limit: number, offset: number): Promise<{ docs: Doc[]; total: number }> => {
    // Callers page by whole pages (offset = page * size, size <= 100).
    const res = await search({ ...params, per_page: String(limit), page: String(Math.floor(offset / limit) + 1) });
    return { docs: (res.hits ?? []).map((h) => h.document), total: res.found };
  };

  const commentPage = async (params: Record<string, string>, limit: number, offset: number): Promise<IdPage<IndexedComment>> => {
    const found = await page(params, limit, offset);
    const replies = await replyCounts(found.docs);
    return { rows: found.docs.map((d) => toComment(d, replies)), total: found.total };
  };

  /** The stored document unless it is deleted or holds a newer event than `at` (then: skip). */
  const writable = (existing: Doc | undefined, at: number): 'skip' | 'write' =>
    existing && (existing.is_deleted || existing.event_at > at) ? 'skip' : 'write';

  const hideSubtree = async (commentId: string): Promise<void> => {
    // content-svc publishes one COMMENT_DELETE for a comment with replies: hide them level by level.
    let level = [Number(commentId)];
    while (level.length > 0) {
      const children = await idsWhere(`kind:=comment && is_deleted:=false && parent_id:=[${level.join(',')}]`);
      if (children.length > 0) await updateWhere(`kind:=comment && seq:=[${children.join(',')}]`, { is_deleted: true });
      level = children;
    }
  };

  const apply = async (change: IndexChange): Promise<void> => {
    switch (change.kind) {
      case 'upsert-post': {
        const at = change.at.getTime();
        const existing = await get(postKey(change.postId));
        if (writable(existing, at) === 'skip') return;
        await upsert({
          id: postKey(change.postId),
          kind: 'post',
          seq: Number(change.postId),
          post_id: Number(change.postId),
          author_id: change.authorId,
          content: change.content,
          depth: 0,
          created_at: existing?.created_at ?? (change.createdAt ?? change.at).getTime(),
          updated_at: Math.max(existing?.updated_at ?? at, at),
          event_at: at,
          is_deleted: false,
        });
        return;
      }
      case 'delete-post': {
        const at = change.at.getTime();
        const existing = await get(postKey(change.postId));
        if (!existing?.is_deleted) {
          await upsert({
            ...(existing ?? { id: postKey(change.postId), kind: 'post', seq: Number(change.postId), post_id: Number(change.postId), author_id: '0', content: '', depth: 0, created_at: at, updated_at: at, event_at: at }),
            is_deleted: true,
          });
        }
        await updateWhere(`kind:=comment && is_deleted:=false && post_id:=${Number(change.postId)}`, { is_deleted: true });
        return;
      }
      case 'upsert-comment': {
        const at = change.at.getTime();
        const existing = await get(commentKey(change.commentId));
        if (writable(existing, at) === 'skip') return;
        if (existing) {
          await upsert({ ...existing, content: change.content, updated_at: Math.max(existing.updated_at, at), event_at: at });
          return;
        }
        // A comment arriving after its parent's or its post's delete is stored hidden.
        const [parent, post] = await Promise.all([
          change.parentId === undefined ? undefined : get(commentKey(change.parentId)),
          get(postKey(change.postId)),
        ]);
        const createdAt = (change.createdAt ?? change.at).getTime();
        await upsert({
          id: commentKey(change.commentId),
          kind: 'comment',
          seq: Number(change.commentId),
          post_id: Number(change.postId),
          ...(change.parentId === undefined ? {} : { parent_id: Number(change.parentId) }),
          author_id: change.authorId,
          content: change.content,
          depth: change.parentId === undefined ? 0 : Math.min(2, parent ? parent.depth + 1 : 1),
          created_at: createdAt,
          updated_at: at,
          event_at: at,
          is_deleted: (parent?.is_deleted ?? false) || (post?.is_deleted ?? false),
        });
        return;
      }
      case 'delete-comment': {
        const at = change.at.getTime();
        const existing = await get(commentKey(change.commentId));
        if (!existing?.is_deleted) {
          await upsert({
            ...(existing ?? { id: commentKey(change.commentId), kind: 'comment', seq: Number(change.commentId), post_id: Number(change.postId), author_id: '0', content: '', depth: 0, created_at: at, updated_at: at, event_at: at }),
            is_deleted: true,
          });
        }
        await hideSubtree(change.commentId);
        return;
      }
      case 'comment-like':
        await likes.applyMany([change]);
        return;
      case 'ignore':
        return;
    }
  };

  return {
    async applyMany(changes) {
      for (const change of changes) await apply(change);
    },

    async searchPosts(keyword, limit, offset) {
      const found = await page({ q: keyword, ...KEYWORD_PARAMS, filter_by: 'kind:=post && is_deleted:=false', sort_by: 'created_at:desc,seq:desc' }, limit, offset);
      return { rows: found.docs.map(toPost), total: found.total };
    },

    searchComments: (keyword, limit, offset) =>
      commentPage({ q: keyword, ...KEYWORD_PARAMS, filter_by: 'kind:=comment && is_deleted:=false', sort_by: 'created_at:desc,seq:desc' }, limit, offset),

    postComments: (postId, limit, offset) => {
      // A post id that is not a number matches nothing (the PostgreSQL engine compares bigints).
      if (!/^\d{1,18}$/.test(postId)) return Promise.resolve({ rows: [], total: 0 });
      return commentPage({ q: '*', filter_by: `kind:=comment && is_deleted:=false && post_id:=${postId}`, sort_by: 'created_at:asc,seq:asc' }, limit, offset);
    },

    async commentLikeCounts(ids) {
      const counts = await likes.commentLikeCounts(ids);
      const liked = [...counts.keys()].filter((id) => /^\d{1,18}$/.test(id));
      for (let i = 0; i < liked.length; i += MAX_PER_PAGE) {
        for (const seq of await idsWhere(`kind:=comment && is_deleted:=true && seq:=[${liked.slice(i, i + MAX_PER_PAGE).join(',')}]`)) counts.delete(String(seq));
      }
      return counts;
    },

    async ping() {
      await http.request('GET', '/health');
    },
  };
}
