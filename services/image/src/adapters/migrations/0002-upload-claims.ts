// Claims of anonymous uploads (issue 14): an image uploaded without a usable token gets a secret
// claim, returned once with the upload; only its SHA-256 (hex) is kept here. The claim decides who may
// delete an image that has no owner, and lets a signup make the new member its owner.
// Ownerless images stored before this migration have no claim: nobody can delete them through
// DeleteImages any more (they could be deleted by any member before).
import { Migration } from '@mikro-orm/migrations';

export class UploadClaims extends Migration {
  override up(): void {
    this.addSql(`alter table image.images add column claim_hash char(64)`);
  }
}
