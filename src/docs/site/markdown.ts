import MarkdownIt from 'markdown-it';
import { h } from './dom.js';

/** Raw HTML in project text is shown as text (html: false); bare URLs become links. */
const md = new MarkdownIt({ html: false, linkify: true, typographer: false });

const TAGS = new Set(['P', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'UL', 'OL', 'LI', 'A', 'CODE', 'PRE', 'EM', 'STRONG', 'BLOCKQUOTE', 'TABLE', 'THEAD', 'TBODY', 'TR', 'TH', 'TD', 'HR', 'BR', 'DEL', 'S']);

/**
 * Keeps only the elements and attributes markdown needs: links only to http(s), mailto and
 * in-page anchors (opened in a new tab), no images, scripts, styles or event handlers. What
 * markdown-it produces passes unchanged; anything else is reduced to its text.
 */
function sanitize(root: ParentNode): void {
  for (const el of [...root.querySelectorAll('*')]) {
    if (!TAGS.has(el.tagName)) {
      el.replaceWith(document.createTextNode(el.textContent ?? ''));
      continue;
    }
    for (const a of [...el.attributes]) if (!(el.tagName === 'A' && (a.name === 'href' || a.name === 'title'))) el.removeAttribute(a.name);
    if (el.tagName === 'A') {
      const href = el.getAttribute('href') ?? '';
      if (!/^(https?:|mailto:|#)/i.test(href)) el.removeAttribute('href');
      else if (!href.startsWith('#')) {
        el.setAttribute('rel', 'noopener noreferrer');
        el.setAttribute('target', '_blank');
      }
    }
  }
}

/**
 * A description or the project overview as rendered markdown (dbt descriptions are markdown).
 * Parsed in an inert <template>, then reduced to an allow-list of elements.
 *
 * @example markdown('Orders **completed** in [the shop](https://example.com)')
 */
export function markdown(text: string, cls = 'markdown'): HTMLElement {
  const tpl = document.createElement('template');
  tpl.innerHTML = md.render(text);
  sanitize(tpl.content);
  const out = h('div', { class: cls });
  out.append(tpl.content);
  return out;
}
