import { describe, expect, it } from 'vitest';
import {
  newReferralCode,
  parseStartPayload,
  REFERRAL_CODE_LENGTH,
  referralLink,
  START_PAYLOAD_MAX,
  shareUrl,
} from '../../src/bot/deep-link.js';

describe('parseStartPayload', () => {
  it('reads no payload as none', () => {
    expect(parseStartPayload(undefined)).toEqual({ kind: 'none' });
    expect(parseStartPayload('')).toEqual({ kind: 'none' });
    expect(parseStartPayload('   ')).toEqual({ kind: 'none' });
  });

  it('reads a referral code, case-insensitively, and refuses a malformed one', () => {
    expect(parseStartPayload('ref_ab3k9mzq')).toEqual({ kind: 'referral', code: 'ab3k9mzq' });
    expect(parseStartPayload('REF_AB3K9MZQ')).toEqual({ kind: 'referral', code: 'ab3k9mzq' });
    // A Telegram id, a short code, a code with letters outside the alphabet: none is a referral.
    for (const bad of ['ref_123456789', 'ref_abc', 'ref_ab3k9mz0', 'ref_ab3k9mzl', 'ref_', 'ref_ab3k9mzq_x']) {
      expect(parseStartPayload(bad)).toEqual({ kind: 'ignored', reason: 'malformed' });
    }
  });

  it('reads buy_<n> from 1, and refuses 0, signs and words', () => {
    expect(parseStartPayload('buy_1')).toEqual({ kind: 'buy', package: 1 });
    expect(parseStartPayload('buy_12')).toEqual({ kind: 'buy', package: 12 });
    for (const bad of ['buy_0', 'buy_01', 'buy_-1', 'buy_x', 'buy_', 'buy_1000']) {
      expect(parseStartPayload(bad)).toEqual({ kind: 'ignored', reason: 'malformed' });
    }
  });

  it('reads the short source form with one to three parts, in lower case', () => {
    expect(parseStartPayload('instagram')).toEqual({
      kind: 'source',
      source: 'instagram',
      medium: null,
      campaign: null,
    });
    expect(parseStartPayload('Instagram_stories_black-friday')).toEqual({
      kind: 'source',
      source: 'instagram',
      medium: 'stories',
      campaign: 'black-friday',
    });
    expect(parseStartPayload('vk_post')).toEqual({ kind: 'source', source: 'vk', medium: 'post', campaign: null });
  });

  it('reads the utm form, with medium and campaign optional', () => {
    expect(parseStartPayload('utm_source-google_utm_medium-cpc_utm_campaign-spring-sale')).toEqual({
      kind: 'source',
      source: 'google',
      medium: 'cpc',
      campaign: 'spring-sale',
    });
    expect(parseStartPayload('utm_source-tiktok')).toEqual({
      kind: 'source',
      source: 'tiktok',
      medium: null,
      campaign: null,
    });
    expect(parseStartPayload('utm_source-x_utm_campaign-z')).toEqual({
      kind: 'source',
      source: 'x',
      medium: null,
      campaign: 'z',
    });
  });

  it('ignores what does not follow a form: four parts, empty parts, a leading hyphen, utm out of order', () => {
    for (const bad of [
      'a_b_c_d',
      'a__b',
      '_a',
      'a_',
      '-a',
      'utm_medium-cpc',
      'utm_source-',
      'utm_source-x_utm_term-y',
    ]) {
      expect(parseStartPayload(bad)).toEqual({ kind: 'ignored', reason: 'malformed' });
    }
  });

  it('ignores characters Telegram does not allow, and anything over 64 characters', () => {
    for (const bad of ['a b', 'a.b', 'ссылка', 'a+b', 'a/b', 'a%20b']) {
      expect(parseStartPayload(bad)).toEqual({ kind: 'ignored', reason: 'characters' });
    }
    const longest = `a${'b'.repeat(START_PAYLOAD_MAX - 1)}`;
    expect(parseStartPayload(longest)).toMatchObject({ kind: 'source', source: longest });
    expect(parseStartPayload(`${longest}c`)).toEqual({ kind: 'ignored', reason: 'too-long' });
  });
});

describe('referral codes and links', () => {
  it('makes random codes that its own parser reads back', () => {
    const codes = new Set(Array.from({ length: 2000 }, () => newReferralCode()));
    expect(codes.size).toBe(2000);
    for (const code of codes) {
      expect(code).toHaveLength(REFERRAL_CODE_LENGTH);
      expect(parseStartPayload(`ref_${code}`)).toEqual({ kind: 'referral', code });
    }
  });

  it('builds the invitation link and the share URL', () => {
    const link = referralLink('photoshoot_bot', 'ab3k9mzq');
    expect(link).toBe('https://t.me/photoshoot_bot?start=ref_ab3k9mzq');
    expect(shareUrl(link, 'Try it & get a free photoshoot')).toBe(
      'https://t.me/share/url?url=https%3A%2F%2Ft.me%2Fphotoshoot_bot%3Fstart%3Dref_ab3k9mzq&text=Try%20it%20%26%20get%20a%20free%20photoshoot',
    );
  });
});
