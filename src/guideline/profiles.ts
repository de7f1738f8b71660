/**
 * Profiles (rules.md "Profiles and languages"): `no` (default), `dk`, `se`. A
 * profile adds its pathway rule, sets the default card language and the
 * laboratory code system of suggested orders, and — in dk and se, where routing
 * after DXA follows the DXA result — counts only clinical osteoporosis for R3(c).
 */
import type { Language } from '../cards/texts';

export const PROFILES = ['no', 'dk', 'se'] as const;
export type Profile = (typeof PROFILES)[number];

export interface ProfileSettings {
  language: Language;
  /** Code system added to suggested lab orders next to LOINC (codes.md "Nordic (NPU / NLK)"). */
  labCodeSystem: 'nlk' | 'npu';
  /** rules.md: in dk and se R3(c) counts only clinical osteoporosis (hip or vertebral fracture). */
  clinicalOsteoporosisOnly: boolean;
  /** 000's Norwegian reimbursement rule for denosumab (blue prescription / Helfo § 3): Norway only. */
  norwegianReimbursement: boolean;
}

export const PROFILE_SETTINGS: Readonly<Record<Profile, ProfileSettings>> = {
  no: {
    language: 'nb',
    labCodeSystem: 'nlk',
    clinicalOsteoporosisOnly: false,
    norwegianReimbursement: true,
  },
  dk: {
    language: 'da',
    labCodeSystem: 'npu',
    clinicalOsteoporosisOnly: true,
    norwegianReimbursement: false,
  },
  se: {
    language: 'sv',
    labCodeSystem: 'npu',
    clinicalOsteoporosisOnly: true,
    norwegianReimbursement: false,
  },
};
