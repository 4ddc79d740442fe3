// Who may change what, and where a reply may go. Pure decisions over rows the adapter loaded;
// each failure carries the reason the contract names for its RPC.
import { COMMENT_DEPTH_MAX } from './content-rules.ts';
import { DomainError } from './errors.ts';

export interface OwnedRow {
  readonly authorId: string;
  readonly isDeleted: boolean;
}

export const postErrors = {
  notFound: (id: string) => new DomainError('not-found', 'POST_NOT_FOUND', `post ${id} does not exist`),
  alreadyDeleted: (id: string) => new DomainError('not-found', 'POST_ALREADY_DELETED', `post ${id} is already deleted`),
  updateForbidden: () => new DomainError('forbidden', 'POST_UPDATE_FORBIDDEN', 'only the author may edit a post'),
  deleteForbidden: () => new DomainError('forbidden', 'POST_DELETE_FORBIDDEN', 'only the author may delete a post'),
  likeExists: () => new DomainError('conflict', 'POST_LIKE_ALREADY_EXISTS', 'the caller already likes this post'),
  likeMissing: () => new DomainError('not-found', 'POST_LIKE_CANCEL_ALREADY_COMMITTED', 'the caller does not like this post'),
};

export const commentErrors = {
  notFound: (id: string) => new DomainError('not-found', 'COMMENT_NOT_FOUND', `comment ${id} does not exist`),
  parentNotFound: (id: string) => new DomainError('not-found', 'PARENT_COMMENT_NOT_FOUND', `parent comment ${id} does not exist`),
  parentOtherPost: () =>
    new DomainError('invalid', 'PARENT_COMMENT_POST_ID_NOT_EQUALS', 'the parent comment belongs to another post', {
      metadata: { field: 'parentId' },
    }),
  depthExceeded: () =>
    new DomainError('invalid', 'COMMENT_DEPTH_LIMIT_EXCEEDS', `replies nest at most ${COMMENT_DEPTH_MAX + 1} levels deep`, {
      metadata: { field: 'parentId' },
    }),
  updateForbidden: () => new DomainError('forbidden', 'COMMENT_MODIFICATION_PERMISSION_DENIED', 'only the author may edit a comment'),
  deleteForbidden: () => new DomainError('forbidden', 'COMMENT_DELETION_PERMISSION_DENIED', 'only the author may delete a comment'),
  likeExists: () => new DomainError('conflict', 'COMMENT_LIKE_ALREADY_EXISTS', 'the caller already likes this comment'),
  likeMissing: () => new DomainError('not-found', 'COMMENT_LIKE_NOT_FOUND', 'the caller does not like this comment'),
};

/** The post to edit: it must exist, be visible, and be the caller's. */
export function assertPostEditable(id: string, post: OwnedRow | undefined, callerId: string): void {
  if (!post || post.isDeleted) throw postErrors.notFound(id);
  if (post.authorId !== callerId) throw postErrors.updateForbidden();
}

/** The post to delete: unknown -> NOT_FOUND, someone else's -> denied, twice -> ALREADY_DELETED. */
export function assertPostDeletable(id: string, post: OwnedRow | undefined, callerId: string): void {
  if (!post) throw postErrors.notFound(id);
  if (post.authorId !== callerId) throw postErrors.deleteForbidden();
  if (post.isDeleted) throw postErrors.alreadyDeleted(id);
}

export function assertCommentEditable(id: string, comment: OwnedRow | undefined, callerId: string): void {
  if (!comment || comment.isDeleted) throw commentErrors.notFound(id);
  if (comment.authorId !== callerId) throw commentErrors.updateForbidden();
}

export function assertCommentDeletable(id: string, comment: OwnedRow | undefined, callerId: string): void {
  if (!comment || comment.isDeleted) throw commentErrors.notFound(id);
  if (comment.authorId !== callerId) throw commentErrors.deleteForbidden();
}

export interface ParentRow {
  readonly postId: string;
  readonly depth: number;
  readonly isDeleted: boolean;
}

/** The depth of a reply under `parent`, or the reason it cannot go there. */
export function replyDepthOrThrow(parentId: string, parent: ParentRow | undefined, postId: string): number {
  if (!parent || parent.isDeleted) throw commentErrors.parentNotFound(parentId);
  if (parent.postId !== postId) throw commentErrors.parentOtherPost();
  if (parent.depth >= COMMENT_DEPTH_MAX) throw commentErrors.depthExceeded();
  return parent.depth + 1;
}
