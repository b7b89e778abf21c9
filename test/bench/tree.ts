import fs from 'node:fs';
import path from 'node:path';
import { seededRandom } from '../../src/util/text.js';

/**
 * A deterministic knowledge tree for the benchmark: ~80% articles, then Q&A files, URL lists
 * and small documents, in nested folders of ≤ 100 files. Same seed and size → same bytes.
 */

const WORDS = (
  'label parcel carrier shipping return refund wallet postage invoice plan customer order ' +
  'tracking zone weight box store integration api webhook account team report export import ' +
  'address package delivery pickup warehouse scale printer void rate discount insurance'
).split(' ');

export interface TreeStats {
  files: number;
  bytes: number;
  articles: number;
  qa: number;
  urls: number;
  documents: number;
}

/** `articlesOnly`: every file an article (the cold-plan target is stated for 10k articles). */
export function generateTree(root: string, n: number, seed = 1, articlesOnly = false): TreeStats {
  const rand = seededRandom(seed);
  const word = () => WORDS[Math.floor(rand() * WORDS.length)] as string;
  const sentence = (k: number) => {
    const w = Array.from({ length: k }, word);
    w[0] = (w[0] as string)[0]!.toUpperCase() + (w[0] as string).slice(1);
    return `${w.join(' ')}.`;
  };
  const stats: TreeStats = { files: 0, bytes: 0, articles: 0, qa: 0, urls: 0, documents: 0 };
  fs.mkdirSync(root, { recursive: true });
  for (let i = 0; i < n; i++) {
    const dir = path.join(root, `section-${Math.floor(i / 1000)}`, `group-${Math.floor(i / 100) % 10}`);
    if (i % 100 === 0) fs.mkdirSync(dir, { recursive: true });
    const r = articlesOnly ? 0 : i % 20;
    let name: string;
    let body: string;
    if (r < 16) {
      name = `article-${i}.md`;
      const paras = 3 + Math.floor(rand() * 8);
      const parts = [`---\ntitle: ${sentence(4).slice(0, -1)} ${i}\ntags: [${word()}, ${word()}]\n---\n`];
      for (let p = 0; p < paras; p++) {
        if (p % 4 === 2) parts.push(`## ${sentence(3)}\n`);
        parts.push(
          Array.from({ length: 3 + Math.floor(rand() * 5) }, () => sentence(6 + Math.floor(rand() * 10))).join(' '),
        );
        if (p % 5 === 3) parts.push(`- ${sentence(5)}\n- ${sentence(4)}\n- ${sentence(6)}`);
      }
      body = `${parts.join('\n\n')}\n`;
      stats.articles++;
    } else if (r < 18) {
      name = `faq-${i}.qa.yaml`;
      const k = 5 + Math.floor(rand() * 10);
      body = Array.from(
        { length: k },
        (_, j) => `- q: ${sentence(7).slice(0, -1)} ${i}-${j}?\n  a: ${sentence(12)} ${sentence(9)}\n`,
      ).join('');
      stats.qa++;
    } else if (r < 19) {
      name = `links-${i}.urls`;
      const k = 5 + Math.floor(rand() * 20);
      body = `# links ${i}\n${Array.from({ length: k }, (_, j) => `https://docs.example.com/${word()}/${i}/${j}`).join('\n')}\n`;
      stats.urls++;
    } else {
      name = `sheet-${i}.csv`;
      body = `zone,weight,price\n${Array.from({ length: 20 + Math.floor(rand() * 40) }, (_, j) => `${j % 8},${j},${(rand() * 30).toFixed(2)}`).join('\n')}\n`;
      stats.documents++;
    }
    fs.writeFileSync(path.join(dir, name), body);
    stats.files++;
    stats.bytes += Buffer.byteLength(body);
  }
  ageTree(root);
  return stats;
}

/** Set every file's times an hour back, past the racy window, as in a checkout nobody is editing. */
export function ageTree(root: string): void {
  const t = new Date(Date.now() - 3600_000);
  const age = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) age(p);
      else fs.utimesSync(p, t, t);
    }
  };
  age(root);
}
