/** The guideline documents the rules follow (../shared/seeds/), with the public page each names. */
export const SEEDS: Record<'000' | '001' | '002' | '003' | '004', Seed> = {
  '000': {
    file: '000_0a992cbb61ea7e90.txt',
    title:
      'Helse Stavanger: Rutine for oppfølging av pasienter med osteoporose eller osteopeni med høy bruddrisiko',
    cardTitle: 'Helse Stavanger: oppfølging av osteoporose',
    url: 'https://helse-stavanger.no/avdelinger/klinikk-a/ortopedisk-avdeling/osteoporosepoliklinikk',
  },
  '001': {
    file: '001_ae6e9811a9e5e59f.txt',
    title:
      'Osteoporosepoliklinikken (revmatologi): indikasjoner, tilvisingar, diverse problemstillingar',
    cardTitle: 'Osteoporosepoliklinikken (revmatologi)',
    url: 'https://legeforeningen.no/Fagmed/Norsk-revmatologisk-forening/Fagradets-innstillinger/Ferdige-norske-prosedyrer/',
  },
  '002': {
    file: '002_b9af12f8ec5cd735.txt',
    title: 'FFN: Secondary Fragility Fracture Prevention Competency Framework (norsk oversettelse)',
    cardTitle: 'FFN: Competency Framework (norsk oversettelse)',
    // The framework's publisher, the Fragility Fracture Network.
    url: 'https://fragilityfracturenetwork.org/',
  },
  '003': {
    file: '003_e4b8fd05c0652249.txt',
    title: 'PLO-Midtjylland: Nye arbejdsgange vedr. Fracture Liaison Service (FLS) og DXA-scanning',
    cardTitle: 'PLO-Midtjylland: arbejdsgange for FLS og DXA-scanning',
    // A member letter with no public address: the link is the region's own page on its FLS.
    url: 'https://www.rm.dk/om-os/aktuelt/nyheder/nyheder-2022/april-22/auh-tager-fat-pa-forebyggelse-af-nye-knoglebrud-hos-personer-over-50-ar/',
    via: 'Region Midtjylland: FLS efter knoglebrud (Aarhus Universitetshospital)',
    cardVia: 'Region Midtjylland: FLS efter knoglebrud',
  },
  '004': {
    file: '004_8c2ffa6f5be7fb5c.txt',
    title: 'Handläggning av patient enligt frakturkedjan – Vårdcentraler i Hälsoval',
    cardTitle: 'Frakturkedjan – Vårdcentraler i Hälsoval',
    url: 'https://nationelltklinisktkunskapsstod.se/dokument/acfe0fd1-91ec-488d-b8d1-cd480d0f41db',
  },
};

export type SeedId = keyof typeof SEEDS;

/**
 * A seed whose own text is not online links to its publisher's page, named by `via`.
 * Cards name the document by `cardTitle` (and `cardVia`): short enough for a side panel.
 */
export type Seed = {
  file: string;
  title: string;
  cardTitle: string;
  url: string;
  via?: string;
  cardVia?: string;
};

/** A guideline sentence (quoted in the seed's language) or a documented default of rules.md. */
export type Citation =
  { seed: SeedId; quote: string } | { decision: string; seed?: SeedId; quote?: string };

/** Further reading the seeds name (000 "Linker til mer informasjon", 002), linked from cards. */
export const SOURCE_LINKS = {
  lavenergibrudd: 'http://www.lavenergibrudd.no/',
  frax: 'https://www.sheffield.ac.uk/FRAX/tool.aspx?country=42',
  p1np: 'https://tidsskriftet.no/2020/11/debatt/fastlegens-rolle-ved-osteoporosebehandling-etter-brudd',
  helsenorge:
    'https://www.helsenorge.no/sykdom/muskel-og-skjelett/benskjorhet-osteoporose/#selvhjelp-og-rad',
  nrf: 'https://norskrevmatologi.no/index.php?action=showtopic&topic=AtEEtJ7q',
  endokrinologi: 'http://www.endokrinologi.no/',
  worldFalls: 'https://worldfallsguidelines.com/',
} as const;

export type SourceLinkId = keyof typeof SOURCE_LINKS;

/**
 * The country a link speaks for; Danish and Swedish cards show no Norwegian page (a
 * Norwegian FRAX version, Norwegian patient information) and no Norwegian rules.
 */
export const SOURCE_LINK_COUNTRY: Record<SourceLinkId, 'no' | 'international'> = {
  lavenergibrudd: 'no',
  frax: 'no',
  p1np: 'no',
  helsenorge: 'no',
  nrf: 'no',
  endokrinologi: 'no',
  worldFalls: 'international',
};
