/**
 * Property 3: the cards of one response never contradict each other (rules.md
 * "Coherence between cards"), judged from the cards alone — their codes and the
 * sentences of cards/en.json they state. Returns the contradictions as sentences.
 */
import { cardsWithCode, statesReason, type Card } from './cards';

/** Pairs of codes that never appear in one response, with the rule that forbids it. */
const NEVER_TOGETHER: readonly [string, string, string][] = [
  [
    'denosumab-overdue',
    'antiresorptive-indicated',
    'lapsed denosumab is on treatment: R21, never R3',
  ],
  ['denosumab-overdue', 'treat-without-dxa', 'lapsed denosumab is on treatment: R21, never R4'],
  ['hypercalcaemia', 'calcium-vitamin-d', 'R7 blocks the calcium / vitamin D supplement (R2)'],
  ['hypercalcaemia', 'vitamin-d-low', 'R7 blocks vitamin D as well (R8)'],
  ['secondary-osteoporosis', 'antiresorptive-indicated', 'under 50: specialist work-up, no R3'],
  ['secondary-osteoporosis', 'treat-without-dxa', 'under 50: specialist work-up, no R4'],
  ['secondary-osteoporosis', 'calcium-vitamin-d', 'under 50: specialist work-up, no R2'],
  ['treat-without-dxa', 'dxa-needed', 'R4 does not wait for a DXA; R31 would refer for one'],
];

export function coherenceViolations(cards: readonly Card[]): string[] {
  const out: string[] = [];
  const present = (code: string) => cardsWithCode(cards, code).length > 0;
  for (const [a, b, why] of NEVER_TOGETHER)
    if (present(a) && present(b)) out.push(`${a} together with ${b}: ${why}`);

  for (const card of cardsWithCode(cards, 'treatment-response-inadequate')) {
    if (
      statesReason(card, 'check-adherence-denosumab') &&
      !statesReason(card, 'denosumab-never-stop')
    )
      out.push(
        'treatment-response-inadequate on denosumab without the stopping warning (R18, R21)',
      );
  }
  const teriparatideLimit =
    present('teriparatide-transition') ||
    cardsWithCode(cards, 'max-duration-reached').some((card) => statesReason(card, 'teriparatide'));
  if (teriparatideLimit) {
    for (const card of cardsWithCode(cards, 'dxa-due'))
      if (statesReason(card, 'improved-still-low'))
        out.push('dxa-due says "continue unchanged" at the teriparatide limit (R15, R22)');
  }
  for (const card of cardsWithCode(cards, 'denosumab-overdue')) {
    // Beyond 12 months: check the spine and a DXA, then restart or switch — not "give the next dose now".
    if (statesReason(card, 'check-spine-dxa') && /give the next dose now/.test(card.summary))
      out.push('denosumab-overdue beyond the rebound window still says "give the next dose now"');
  }
  return out;
}
