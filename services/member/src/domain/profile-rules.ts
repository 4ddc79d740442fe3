// Profile update and handle change rules. The update is partial: an absent field is unchanged;
// a field given as "" clears it (the frontend omits fields it does not change).
import { validationError } from './errors.ts';
import { checkHandle, checkHttpUrl, checkLength, checkOneOf, checkPastDate, checkRequired, checkStorableTextOrThrow, type Violations } from './field-rules.ts';
import { COUNTRY_CODES, GENDERS, NO_IMAGE, PRIVACY_LEVELS, type CountryCode, type Gender, type PrivacyLevel } from './member.ts';

export interface ProfileUpdateInput {
  readonly memberName?: string | undefined;
  readonly displayName?: string | undefined;
  readonly bio?: string | undefined;
  readonly location?: string | undefined;
  readonly websiteUrl?: string | undefined;
  readonly avatarUrl?: string | undefined;
  readonly birthDate?: string | undefined;
  /** Enum names without prefix; "UNSPECIFIED" is a violation when given. */
  readonly gender?: string | undefined;
  readonly languageCode?: string | undefined;
  readonly countryCode?: string | undefined;
  readonly privacyLevel?: string | undefined;
}

/** Columns to set; null clears a nullable column. */
export interface ProfileChanges {
  memberName?: string;
  displayName?: string | null;
  bio?: string | null;
  location?: string | null;
  websiteUrl?: string | null;
  avatarUrl?: string;
  birthDate?: string | null;
  gender?: Gender;
  languageCode?: string;
  countryCode?: CountryCode;
  privacyLevel?: PrivacyLevel;
}

const orNull = (v: string): string | null => (v.trim() === '' ? null : v);

export function validateProfileUpdateOrThrow(input: ProfileUpdateInput, now: Date): ProfileChanges {
  checkStorableTextOrThrow({ ...input });
  const out: Violations = [];
  const changes: ProfileChanges = {};
  if (input.memberName !== undefined) {
    const v = input.memberName.trim();
    if (checkRequired(out, 'memberName', v)) checkLength(out, 'memberName', v, 1, 100);
    changes.memberName = v;
  }
  const text = (field: 'displayName' | 'bio' | 'location', value: string | undefined, max: number): void => {
    if (value === undefined) return;
    checkLength(out, field, value, 0, max);
    changes[field] = orNull(value);
  };
  text('displayName', input.displayName, 100);
  text('bio', input.bio, 1000);
  text('location', input.location, 100);
  if (input.websiteUrl !== undefined) {
    const v = input.websiteUrl.trim();
    if (v !== '') checkHttpUrl(out, 'websiteUrl', v, 500);
    changes.websiteUrl = orNull(v);
  }
  if (input.avatarUrl !== undefined) {
    const v = input.avatarUrl.trim();
    checkLength(out, 'avatarUrl', v, 0, 500);
    changes.avatarUrl = v === '' ? NO_IMAGE : v;
  }
  if (input.birthDate !== undefined) {
    const v = input.birthDate.trim();
    if (v !== '') checkPastDate(out, 'birthDate', v, now);
    changes.birthDate = orNull(v);
  }
  if (input.languageCode !== undefined) {
    const v = input.languageCode.trim();
    checkLength(out, 'languageCode', v, 2, 10);
    changes.languageCode = v;
  }
  const gender = checkOneOf(out, 'gender', input.gender, GENDERS, false);
  if (gender) changes.gender = gender;
  const countryCode = checkOneOf(out, 'countryCode', input.countryCode, COUNTRY_CODES, false);
  if (countryCode) changes.countryCode = countryCode;
  const privacyLevel = checkOneOf(out, 'privacyLevel', input.privacyLevel, PRIVACY_LEVELS, false);
  if (privacyLevel) changes.privacyLevel = privacyLevel;
  if (out.length > 0) throw validationError(out);
  return changes;
}

export function validateHandleOrThrow(field: string, value: string): string {
  const out: Violations = [];
  const handle = value.trim();
  if (checkRequired(out, field, handle)) checkHandle(out, field, handle);
  if (out.length > 0) throw validationError(out);
  return handle;
}
