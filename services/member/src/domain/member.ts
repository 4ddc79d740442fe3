// The member as the rest of the service sees it: identity, profile fields, avatar and counts.
// One record feeds every view (identity, summary, profile), so one cache entry serves them all.

export const GENDERS = ['MALE', 'FEMALE', 'OTHER', 'PREFER_NOT_TO_SAY'] as const;
export const COUNTRY_CODES = ['KR', 'US', 'JP', 'CN', 'GB', 'DE', 'FR', 'CA', 'AU', 'IN'] as const;
export const VERIFICATION_STATUSES = ['NONE', 'PENDING', 'VERIFIED'] as const;
export const PRIVACY_LEVELS = ['PUBLIC', 'FRIENDS', 'PRIVATE'] as const;

export type Gender = (typeof GENDERS)[number];
export type CountryCode = (typeof COUNTRY_CODES)[number];
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];
export type PrivacyLevel = (typeof PRIVACY_LEVELS)[number];

/** The original's default when a member has no avatar; the frontend knows it. */
export const NO_IMAGE = 'no-image';

export interface MemberRecord {
  readonly id: string;
  readonly email: string;
  readonly isActive: boolean;
  readonly memberName: string;
  readonly handle: string;
  readonly displayName: string | null;
  readonly bio: string | null;
  readonly location: string | null;
  readonly websiteUrl: string | null;
  /** YYYY-MM-DD */
  readonly birthDate: string | null;
  readonly gender: Gender;
  readonly languageCode: string;
  readonly countryCode: CountryCode;
  readonly verificationStatus: VerificationStatus;
  readonly privacyLevel: PrivacyLevel;
  readonly profileCompletionScore: number;
  readonly avatarUrl: string;
  readonly followersCount: number;
  readonly followingsCount: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

const SCORED_FIELDS = ['displayName', 'bio', 'location', 'websiteUrl', 'birthDate'] as const;

/** 0-100: how much of the optional profile is filled in (avatar counts as one field). */
export function profileCompletionScore(profile: Partial<Record<(typeof SCORED_FIELDS)[number], string | null>> & { avatarUrl?: string | null }): number {
  const filled = SCORED_FIELDS.filter((f) => (profile[f] ?? '') !== '').length + (profile.avatarUrl && profile.avatarUrl !== NO_IMAGE ? 1 : 0);
  return Math.round((filled / (SCORED_FIELDS.length + 1)) * 100);
}
