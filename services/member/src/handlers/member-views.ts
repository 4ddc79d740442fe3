// Domain records -> proto messages, and proto enums <-> domain names. Counts are always numbers
// (int64 strings on the wire), never absent: the frontend formats them with a number method.
import {
  CountryCode,
  Gender,
  PrivacyLevel,
  VerificationStatus,
  type MemberProfile,
  type MemberSummary,
  type SessionMember,
  type SummaryScrollPage,
} from '@dailyfeed/gen/member/v1/member';
import type { MemberRecord } from '../domain/member.ts';
import type { CountedPage } from './follows.ts';

type EnumObject = Readonly<Record<string, number>>;

/** proto enum value -> domain name without prefix ("UNSPECIFIED" for 0, undefined if unknown). */
export function enumName(values: EnumObject, prefix: string, value: number | undefined): string | undefined {
  if (value === undefined) return undefined;
  const entry = Object.entries(values).find(([, v]) => v === value);
  return entry ? entry[0].slice(prefix.length) : `UNKNOWN_${value}`;
}

function enumValue<T extends number>(values: EnumObject, prefix: string, name: string): T {
  return (values[`${prefix}${name}`] ?? 0) as T;
}

export const genderName = (v: number | undefined) => enumName(Gender, 'GENDER_', v);
export const countryName = (v: number | undefined) => enumName(CountryCode, 'COUNTRY_CODE_', v);
export const privacyName = (v: number | undefined) => enumName(PrivacyLevel, 'PRIVACY_LEVEL_', v);

export function toSummary(r: MemberRecord): MemberSummary {
  return {
    memberId: r.id,
    id: r.id,
    memberName: r.memberName,
    memberHandle: r.handle,
    handle: r.handle,
    displayName: r.displayName ?? '',
    verificationStatus: enumValue<VerificationStatus>(VerificationStatus, 'VERIFICATION_STATUS_', r.verificationStatus),
    avatarUrl: r.avatarUrl,
    updatedAt: r.updatedAt,
    bio: r.bio ?? '',
    followersCount: String(r.followersCount),
  };
}

export function toProfile(r: MemberRecord, own: boolean): MemberProfile {
  return {
    id: r.id,
    memberId: r.id,
    memberName: r.memberName,
    handle: r.handle,
    displayName: r.displayName ?? '',
    bio: r.bio ?? '',
    location: r.location ?? '',
    websiteUrl: r.websiteUrl ?? '',
    birthDate: r.birthDate ?? '',
    gender: enumValue<Gender>(Gender, 'GENDER_', r.gender),
    timezone: 'UTC',
    languageCode: r.languageCode,
    countryCode: enumValue<CountryCode>(CountryCode, 'COUNTRY_CODE_', r.countryCode),
    verificationStatus: enumValue<VerificationStatus>(VerificationStatus, 'VERIFICATION_STATUS_', r.verificationStatus),
    privacyLevel: enumValue<PrivacyLevel>(PrivacyLevel, 'PRIVACY_LEVEL_', r.privacyLevel),
    profileCompletionScore: r.profileCompletionScore,
    isActive: r.isActive,
    avatarUrl: r.avatarUrl,
    coverUrl: '',
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    followersCount: String(r.followersCount),
    followingsCount: String(r.followingsCount),
    followingCount: String(r.followingsCount),
    email: own ? r.email : undefined,
  };
}

export function toSessionMember(r: MemberRecord): SessionMember {
  const s = toSummary(r);
  return {
    memberId: s.memberId,
    id: s.id,
    memberName: s.memberName,
    memberHandle: s.memberHandle,
    handle: s.handle,
    displayName: s.displayName,
    avatarUrl: s.avatarUrl,
    email: r.email,
    verificationStatus: s.verificationStatus,
    updatedAt: s.updatedAt,
    followersCount: String(r.followersCount),
    followingCount: String(r.followingsCount),
  };
}

export function toScroll(page: CountedPage): SummaryScrollPage {
  return { content: page.content.map(toSummary), page: page.page, size: page.size, hasNext: page.hasNext, totalElements: String(page.totalElements) };
}

export function toBarePage(page: CountedPage): { content: MemberSummary[]; page: number; size: number; hasNext: boolean } {
  return { content: page.content.map(toSummary), page: page.page, size: page.size, hasNext: page.hasNext };
}
