// Signup rules (original-system §1.1, §10.2). Every failing field is reported once; optional text
// given as "" is absent. The avatar URL is stored verbatim: the frontend sends relative
// `/api/proxy/images/view/<id>` URLs, so it is only length-checked.
import { validationError } from './errors.ts';
import {
  checkEmail,
  checkHandle,
  checkHttpUrl,
  checkLength,
  checkOneOf,
  checkPassword,
  checkPastDate,
  checkRequired,
  checkStorableTextOrThrow,
  present,
  type Violations,
} from './field-rules.ts';
import { COUNTRY_CODES, GENDERS, NO_IMAGE, PRIVACY_LEVELS, type CountryCode, type Gender, type PrivacyLevel } from './member.ts';

export interface SignupInput {
  readonly email: string;
  readonly password: string;
  readonly memberName: string;
  readonly handle: string;
  readonly displayName?: string | undefined;
  readonly bio?: string | undefined;
  readonly location?: string | undefined;
  readonly websiteUrl?: string | undefined;
  readonly birthDate?: string | undefined;
  /** Enum names without prefix; "UNSPECIFIED" or undefined means not given. */
  readonly gender?: string | undefined;
  readonly languageCode?: string | undefined;
  readonly countryCode?: string | undefined;
  readonly privacyLevel?: string | undefined;
  readonly avatarUrl?: string | undefined;
  /** The claim of an anonymous avatar upload; "" or undefined = none. */
  readonly avatarClaim?: string | undefined;
}

export interface NewMember {
  readonly email: string;
  readonly password: string;
  readonly memberName: string;
  readonly handle: string;
  readonly displayName: string | null;
  readonly bio: string | null;
  readonly location: string | null;
  readonly websiteUrl: string | null;
  readonly birthDate: string | null;
  readonly gender: Gender;
  readonly languageCode: string;
  readonly countryCode: CountryCode;
  readonly privacyLevel: PrivacyLevel;
  readonly avatarUrl: string;
  /** Set when the signup claims its anonymously uploaded avatar (image-svc checks it). */
  readonly avatarClaim: string | null;
}

const given = (v: string | undefined): string | undefined => (v === 'UNSPECIFIED' ? undefined : v);

/** Returns the normalized new member, or throws VALIDATION_FAILED naming every failing field. */
export function validateSignupOrThrow(input: SignupInput, now: Date): NewMember {
  checkStorableTextOrThrow({ ...input });
  const out: Violations = [];
  const email = input.email.trim();
  if (checkRequired(out, 'email', email)) checkEmail(out, 'email', email);
  if (checkRequired(out, 'password', input.password)) checkPassword(out, 'password', input.password);
  const memberName = input.memberName.trim();
  if (checkRequired(out, 'memberName', memberName)) checkLength(out, 'memberName', memberName, 2, 30);
  const handle = input.handle.trim();
  if (checkRequired(out, 'handle', handle)) checkHandle(out, 'handle', handle);

  const displayName = present(input.displayName);
  if (displayName !== undefined) checkLength(out, 'displayName', displayName, 0, 50);
  const bio = present(input.bio);
  if (bio !== undefined) checkLength(out, 'bio', bio, 0, 500);
  const location = present(input.location);
  if (location !== undefined) checkLength(out, 'location', location, 0, 100);
  const websiteUrl = present(input.websiteUrl)?.trim();
  if (websiteUrl !== undefined) checkHttpUrl(out, 'websiteUrl', websiteUrl, 200);
  const birthDate = present(input.birthDate)?.trim();
  if (birthDate !== undefined) checkPastDate(out, 'birthDate', birthDate, now);
  const gender = checkOneOf(out, 'gender', given(input.gender), GENDERS, true);
  const languageCode = present(input.languageCode)?.trim() ?? 'en';
  checkLength(out, 'languageCode', languageCode, 2, 5);
  const countryCode = checkOneOf(out, 'countryCode', given(input.countryCode), COUNTRY_CODES, true);
  const privacyLevel = checkOneOf(out, 'privacyLevel', given(input.privacyLevel), PRIVACY_LEVELS, false) ?? 'PUBLIC';
  const avatarUrl = present(input.avatarUrl)?.trim();
  if (avatarUrl !== undefined) checkLength(out, 'avatarUrl', avatarUrl, 0, 500);
  const avatarClaim = present(input.avatarClaim)?.trim();
  if (avatarClaim !== undefined) {
    checkLength(out, 'avatarClaim', avatarClaim, 1, 100);
    if (avatarUrl === undefined) out.push({ field: 'avatarClaim', rule: 'requires', message: 'needs avatarUrl naming the uploaded image' });
  }

  if (out.length > 0 || gender === undefined || countryCode === undefined) throw validationError(out);
  return {
    email,
    password: input.password,
    memberName,
    handle,
    displayName: displayName ?? null,
    bio: bio ?? null,
    location: location ?? null,
    websiteUrl: websiteUrl ?? null,
    birthDate: birthDate ?? null,
    gender,
    languageCode,
    countryCode,
    privacyLevel,
    avatarUrl: avatarUrl ?? NO_IMAGE,
    avatarClaim: avatarClaim ?? null,
  };
}

/** A login email is only looked up, but it must still be text PostgreSQL can take. */
export function validateLoginEmailOrThrow(email: string): void {
  checkStorableTextOrThrow({ email });
}
