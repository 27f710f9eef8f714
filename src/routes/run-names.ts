/** Random two-word run names (`adjective-animal`), as Prefect gives runs created without a name. */
const ADJECTIVES = [
  'amber', 'ancient', 'bold', 'brave', 'bright', 'calm', 'clever', 'cosmic', 'crimson', 'curious', 'daring', 'dapper',
  'eager', 'electric', 'emerald', 'fancy', 'fearless', 'gentle', 'golden', 'graceful', 'happy', 'hidden', 'humble',
  'icy', 'jolly', 'keen', 'lively', 'lucky', 'mellow', 'misty', 'nimble', 'noble', 'olive', 'outstanding', 'pastel',
  'patient', 'quick', 'quiet', 'rapid', 'rustic', 'scarlet', 'shiny', 'silent', 'silver', 'smart', 'sturdy', 'sunny',
  'swift', 'tidy', 'tireless', 'upbeat', 'vagabond', 'vivid', 'warm', 'whimsical', 'wise', 'witty', 'zealous',
];
const ANIMALS = [
  'albatross', 'alligator', 'antelope', 'badger', 'beaver', 'bison', 'bobcat', 'camel', 'caribou', 'cheetah', 'cobra',
  'coyote', 'crane', 'dingo', 'dolphin', 'eagle', 'falcon', 'ferret', 'finch', 'fox', 'gazelle', 'gecko', 'gibbon',
  'heron', 'hippo', 'ibex', 'jackal', 'jaguar', 'koala', 'lemur', 'leopard', 'lynx', 'marmot', 'mongoose', 'moose',
  'narwhal', 'ocelot', 'octopus', 'otter', 'owl', 'panda', 'pelican', 'puffin', 'quail', 'raccoon', 'raven', 'salamander',
  'seal', 'sparrow', 'starfish', 'tapir', 'tiger', 'toucan', 'turtle', 'walrus', 'weasel', 'wolf', 'yak', 'zebra',
];

const pick = (words: string[]) => words[Math.floor(Math.random() * words.length)]!;

export const randomRunName = () => `${pick(ADJECTIVES)}-${pick(ANIMALS)}`;
