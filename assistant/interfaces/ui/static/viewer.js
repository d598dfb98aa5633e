// Runs as the document viewer's js_on_load (Gradio gr.HTML): `element`, `trigger` and `watch` are provided.
// A click (or Enter/Space) on any `.cite-ref` in the page — chat citations, search results, verification
// evidence — sends its payload to the server as the viewer's 'cite' event; the new viewer HTML then
// scrolls its highlighted span into view.
(() => {
  const citeOf = (el) => el.value || el.getAttribute('data-cite') || '';
  const handler = (e) => {
    const el = e.target && e.target.closest ? e.target.closest('.cite-ref') : null;
    if (!el) return;
    if (e.type === 'keydown' && (el.tagName === 'BUTTON' || (e.key !== 'Enter' && e.key !== ' '))) return;
    const ref = citeOf(el);
    if (!ref) return;
    e.preventDefault();
    document.querySelectorAll('.cite-ref.active').forEach((x) => x.classList.remove('active'));
    el.classList.add('active');
    element.classList.add('loading');
    trigger('cite', { ref: ref });
  };
  if (window.__assistantCite) {
    document.removeEventListener('click', window.__assistantCite, true);
    document.removeEventListener('keydown', window.__assistantCite, true);
  }
  window.__assistantCite = handler;
  document.addEventListener('click', handler, true);
  document.addEventListener('keydown', handler, true);

  const reveal = () => {
    element.classList.remove('loading');
    const body = element.querySelector('.viewer-body');
    const mark = element.querySelector('mark.cited');
    if (!body) return;
    if (mark) {
      body.scrollTop = Math.max(0, mark.offsetTop - body.clientHeight / 3);
      mark.classList.remove('flash');
      void mark.offsetWidth;
      mark.classList.add('flash');
    } else {
      body.scrollTop = 0;
    }
    const box = element.getBoundingClientRect();
    if (box.top > window.innerHeight || box.bottom < 0) element.scrollIntoView({ block: 'start' });
  };
  watch('value', () => setTimeout(reveal, 30));
})();
