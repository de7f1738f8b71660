/** Accept-Language negotiation (RFC 9110 §12.5.4) over the card languages we have. */
import { isLanguage, type Language } from '../cards/texts';

/** Norwegian tags that map to bokmål cards. */
const ALIASES: Record<string, Language> = { no: 'nb', nn: 'nb' };

export function negotiateLanguage(header: string | undefined, fallback: Language): Language {
  if (!header) return fallback;
  const ranges = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((param) => /^\s*q=([0-9.]+)\s*$/.exec(param)?.[1]).find(Boolean);
      return { tag: tag.toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((range) => range.tag && range.q > 0 && !Number.isNaN(range.q))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranges) {
    if (tag === '*') return fallback;
    const primary = tag.split('-')[0] ?? '';
    if (isLanguage(primary)) return primary;
    const alias = ALIASES[primary];
    if (alias) return alias;
  }
  return fallback;
}
