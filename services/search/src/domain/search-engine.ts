// The search engine port: what the handlers, the indexer and the reindex job need from an index.
// Two adapters implement it behind the same gRPC contract (SEARCH_ENGINE): PostgreSQL full-text
// search (adapters/search-index.ts, the default) and Typesense (adapters/typesense-index.ts).
// Both keep the same rules: writes are idempotent and ordered per document by event time (an
// older event never overwrites a newer one), deletes are final and hide a comment's reply subtree
// and a post's comments, and result pages are ordered the same way (posts and keyword comment
// searches newest first, a post's comments oldest first, ties by id).
import type { IndexChange } from './index-event.ts';

export interface IndexedComment {
  readonly commentId: string;
  readonly postId: string;
  readonly parentId: string | null;
  readonly authorId: string;
  readonly content: string;
  readonly depth: number;
  readonly replyCount: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface IndexedPost {
  readonly postId: string;
  readonly authorId: string;
  readonly content: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface IdPage<T> {
  readonly rows: T[];
  readonly total: number;
}

export interface SearchIndex {
  /** Applies the changes in order (PostgreSQL: in one transaction, one commit for a fetched batch). */
  applyMany(changes: readonly IndexChange[]): Promise<void>;
  searchPosts(keyword: string, limit: number, offset: number): Promise<IdPage<IndexedPost>>;
  searchComments(keyword: string, limit: number, offset: number): Promise<IdPage<IndexedComment>>;
  postComments(postId: string, limit: number, offset: number): Promise<IdPage<IndexedComment>>;
  commentLikeCounts(ids: readonly string[]): Promise<Map<string, number>>;
  ping(): Promise<void>;
}

/** The engines SEARCH_ENGINE selects. */
export const SEARCH_ENGINES = ['postgres', 'typesense'] as const;
