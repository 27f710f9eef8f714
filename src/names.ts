/**
 * Random two-word run names ("adjective-animal"), what Prefect gives runs created without a name.
 * Our own word lists; only the shape matches Prefect's.
 */
const ADJECTIVES = [
  'amber', 'brave', 'calm', 'clever', 'cosmic', 'crimson', 'daring', 'eager', 'fancy', 'gentle',
  'golden', 'happy', 'hidden', 'humble', 'icy', 'jolly', 'keen', 'lively', 'lucky', 'mellow',
  'misty', 'nimble', 'noble', 'olive', 'patient', 'polite', 'quick', 'quiet', 'rapid', 'rustic',
  'silver', 'smart', 'sunny', 'swift', 'tidy', 'upbeat', 'vivid', 'warm', 'witty', 'zealous',
];
const ANIMALS = [
  'albatross', 'badger', 'beaver', 'bison', 'caribou', 'cheetah', 'coyote', 'crane', 'dingo', 'dolphin',
  'eagle', 'ferret', 'finch', 'gazelle', 'gecko', 'heron', 'ibis', 'jackal', 'koala', 'lemur',
  'lynx', 'marmot', 'meerkat', 'newt', 'ocelot', 'otter', 'panda', 'pelican', 'puffin', 'quail',
  'raven', 'salmon', 'seal', 'tapir', 'toucan', 'urchin', 'vole', 'walrus', 'wombat', 'yak',
];

const pick = (words: string[]) => words[crypto.getRandomValues(new Uint32Array(1))[0]! % words.length] as string;

export const generateSlug = (): string => `${pick(ADJECTIVES)}-${pick(ANIMALS)}`;

/** The given run name, or a fresh slug when it is missing or empty. */
export const runNameOrSlug = (name: string | null | undefined): string => name || generateSlug();
