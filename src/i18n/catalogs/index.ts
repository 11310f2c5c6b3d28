import type { Format } from '../format.js';
import type { Locale } from '../locales.js';
import { de } from './de.js';
import { enUS, type Catalog } from './en-US.js';
import { esES } from './es-ES.js';
import { fr } from './fr.js';
import { ja } from './ja.js';
import { ptBR } from './pt-BR.js';

/** One catalog per locale; a Record so that a locale without a catalog fails the typecheck. */
export const CATALOGS: Record<Locale, (f: Format) => Catalog> = { 'en-US': enUS, de, fr, 'es-ES': esES, 'pt-BR': ptBR, ja };
