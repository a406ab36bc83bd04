import MarkdownIt from 'markdown-it';

// Notes are typed by users and shown to the whole organisation: raw HTML is never passed through
// (html: false escapes it), links cannot carry the opener or pass ranking, and images are off so a
// note cannot load (and track views through) a remote picture.
const markdown = new MarkdownIt({ html: false, linkify: true }).disable('image');

const renderLinkOpen = markdown.renderer.rules.link_open
  ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
markdown.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]?.attrSet('rel', 'noopener nofollow');
  return renderLinkOpen(tokens, idx, options, env, self);
};

/** Safe HTML for a note's markdown body. */
export function renderNoteMarkdown(body: string): string {
  return markdown.render(body);
}

/** The same safe subset on one line (a timeline entry's excerpt): inline marks and links, no blocks. */
export function renderNoteMarkdownInline(text: string): string {
  return markdown.renderInline(text);
}
