// Covering indexes for the id lists other services read on hot paths: ListFollowingIds (timeline's
// follow feed, on every following-cache miss) and ListFollowerIds (timeline's fan-out of each new
// post). Both become index-only scans in the order they return, instead of one heap page per
// follow row. The new following index also serves everything the old one did (same leading keys).
import { Migration } from '@mikro-orm/migrations';

export class FollowIdIndexes extends Migration {
  override up(): void {
    this.addSql(`create index follows_follower_recent_idx on member.follows (follower_id, created_at desc, followee_id desc)`);
    this.addSql(`drop index member.follows_follower_created_idx`);
    this.addSql(`create index follows_followee_follower_idx on member.follows (followee_id, follower_id)`);
  }

  override down(): void {
    this.addSql(`drop index member.follows_followee_follower_idx`);
    this.addSql(`create index follows_follower_created_idx on member.follows (follower_id, created_at desc)`);
    this.addSql(`drop index member.follows_follower_recent_idx`);
  }
}
