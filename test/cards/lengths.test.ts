/**
 * Cards read in ten seconds (issue #13, shared/cards-style.md): every card the
 * library and the pathways produce, in every language and profile, has a summary
 * under 140 characters (not cut short by the renderer) and a detail of at most
 * 1,200 characters. Measure: CARD_LENGTHS=1 npx jest test/cards/lengths
 */
import { renderedCards, type RenderedCard } from './corpus';

const MAX_DETAIL = 1200;
const MAX_SUMMARY = 139;

const cards = renderedCards();
const label = ({ source, profile, language, code }: RenderedCard) =>
  `${code} · ${source} · ${profile}/${language}`;

if (process.env.CARD_LENGTHS === '1') {
  const rows = [...cards]
    .sort((a, b) => b.card.detail.length - a.card.detail.length)
    .map(
      (entry) =>
        `${String(entry.card.detail.length).padStart(5)} ${String(entry.card.summary.length).padStart(4)}  ${label(entry)}`,
    );
  console.log(
    `detail summary  card · source · profile/language (${cards.length} cards)\n${rows.join('\n')}`,
  );
}

describe('card lengths (every library card, every language and profile)', () => {
  test('the corpus covers every language, every profile and the pathway cards', () => {
    expect(new Set(cards.map((entry) => entry.language))).toEqual(
      new Set(['nb', 'en', 'da', 'sv']),
    );
    expect(new Set(cards.map((entry) => entry.profile))).toEqual(new Set(['no', 'dk', 'se']));
    const codes = new Set(cards.map((entry) => entry.code));
    for (const code of [
      'antiresorptive-indicated',
      'fls-group-1',
      'fls-group-2a',
      'fls-group-2b',
      'fls-group-3',
      'fracture-chain-visit',
      'fracture-chain-no-visit',
    ]) {
      expect(codes).toContain(code);
    }
  });

  test(`every detail is at most ${MAX_DETAIL} characters`, () => {
    const long = cards
      .filter((entry) => entry.card.detail.length > MAX_DETAIL)
      .map((entry) => `${entry.card.detail.length} ${label(entry)}`);
    expect(long).toEqual([]);
  });

  test('every summary is under 140 characters as written (not cut short with "…")', () => {
    const long = cards
      .filter(
        (entry) => entry.card.summary.length > MAX_SUMMARY || entry.card.summary.endsWith('…'),
      )
      .map((entry) => `${entry.card.summary.length} ${label(entry)}: ${entry.card.summary}`);
    expect(long).toEqual([]);
  });
});
