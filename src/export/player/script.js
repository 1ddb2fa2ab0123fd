// convstep's lesson player: the frames of a recording, stored as edits (see
// src/export/player/encode.rs), shown one at a time in the HTML export's own layout.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const meta = JSON.parse($('cs-meta').textContent);
  // Each distinct element's HTML; `~base,prefix,suffix,middle` is line `base` with
  // its middle changed.
  const lines = [];
  for (const s of $('cs-lines').textContent.split('\n')) {
    const m = s[0] === '~' && /^~(\d+),(\d+),(\d+),/.exec(s);
    if (!m) {
      lines.push(s);
      continue;
    }
    const base = lines[Number(m[1])];
    lines.push(base.slice(0, Number(m[2])) + s.slice(m[0].length) + base.slice(base.length - Number(m[3])));
  }
  const numbers = (s) => (s ? s.split(',').map(Number) : []);
  const edits = $('cs-edits').textContent.split('\n').map((f) => f.split(';').map(numbers));
  const N = edits.length;
  const PARTS = 3;
  // Where each list's elements live: the rectangles, the strokes, the rows of text.
  const boxes = [$('cs-blocks'), $('cs-strokes'), $('cs-rows')];
  const frame = $('cs-frame');
  const stage = $('cs-stage');
  const slider = $('cs-slider');
  const playButton = $('cs-play');
  const pages = meta.pages;

  // Walks an edit's runs: keep `keep` elements, delete `del`, insert the `ins` ids at `ops[at..]`.
  function eachRun(ops, visit) {
    let p = 0;
    while (p < ops.length) {
      const ins = ops[p + 2];
      visit(ops[p], ops[p + 1], ins, p + 3);
      p += 3 + ins;
    }
  }
  // The lists of frame `k` from the edits: each frame is the one before it edited.
  function apply(old, ops) {
    const out = [];
    let i = 0;
    eachRun(ops, (keep, del, ins, at) => {
      for (let j = 0; j < keep; j++) out.push(old[i + j]);
      i += keep + del;
      for (let j = 0; j < ins; j++) out.push(ops[at + j]);
    });
    for (; i < old.length; i++) out.push(old[i]);
    return out;
  }
  // Every KEY-th frame's lists are kept, so that any frame is a few edits away.
  const KEY = 32;
  const keyframes = [];
  {
    let lists = [[], [], []];
    for (let k = 0; k < N; k++) {
      lists = lists.map((l, part) => apply(l, edits[k][part]));
      if (k % KEY === 0) keyframes.push(lists);
    }
  }
  function listsAt(k) {
    let lists = keyframes[Math.floor(k / KEY)];
    for (let j = k - (k % KEY) + 1; j <= k; j++) {
      lists = lists.map((l, part) => apply(l, edits[j][part]));
    }
    return lists;
  }

  // Elements are parsed once per distinct line, then cloned.
  const parsed = new Map();
  const template = document.createElement('template');
  function element(part, id) {
    let node = parsed.get(id);
    if (!node) {
      if (part < 2) {
        template.innerHTML = '<svg>' + lines[id] + '</svg>';
        node = template.content.firstChild.firstChild;
      } else {
        template.innerHTML = lines[id];
        node = template.content.firstChild;
      }
      parsed.set(id, node);
    }
    return node.cloneNode(true);
  }

  // Applies an edit to the shown elements: only what changed is touched.
  function patch(part, ops) {
    const box = boxes[part];
    let node = box.firstChild;
    eachRun(ops, (keep, del, ins, at) => {
      for (; keep > 0; keep--) node = node.nextSibling;
      for (; del > 0; del--) {
        const next = node.nextSibling;
        node.remove();
        node = next;
      }
      for (let j = 0; j < ins; j++) box.insertBefore(element(part, ops[at + j]), node);
    });
  }
  // The edit that undoes `ops`, which turned `old` into the next frame.
  function invert(old, ops) {
    const out = [];
    let i = 0;
    eachRun(ops, (keep, del, ins) => {
      out.push(keep, ins, del);
      for (let j = 0; j < del; j++) out.push(old[i + keep + j]);
      i += keep + del;
    });
    return out;
  }

  // Steps further apart than this draw the frame whole.
  const FAR = 64;
  let at = -1;
  // Shows frame `k` (0-based): a few steps by their edits (or their inverses), only
  // what changed touched; a jump by drawing the frame whole.
  function draw(k) {
    if (at < 0 || Math.abs(k - at) > FAR) {
      const lists = listsAt(k);
      for (let part = 0; part < PARTS; part++) {
        boxes[part].innerHTML = lists[part].map((id) => lines[id]).join('');
      }
    } else if (k > at) {
      for (let j = at + 1; j <= k; j++) {
        for (let part = 0; part < PARTS; part++) patch(part, edits[j][part]);
      }
    } else if (k < at) {
      // The lists of frames k..at-1, each the one an inverse edit goes back to.
      const before = [listsAt(k)];
      for (let j = k + 1; j < at; j++) {
        before.push(before[before.length - 1].map((l, part) => apply(l, edits[j][part])));
      }
      for (let j = at; j > k; j--) {
        for (let part = 0; part < PARTS; part++) patch(part, invert(before[j - 1 - k][part], edits[j][part]));
      }
    }
    at = k;
  }

  const pageOf = (k) => {
    let p = 0;
    while (p + 1 < pages.length && pages[p + 1].first <= k) p++;
    return p;
  };
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (m, name) => (name in values ? values[name] : m));

  let page = -1;
  function showPage(p) {
    if (p === page || !pages.length) return;
    page = p;
    const info = pages[p];
    for (const a of document.querySelectorAll('#cs-toc a')) {
      if (Number(a.dataset.page) === p) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    for (const s of document.querySelectorAll('.cs-page')) s.hidden = Number(s.dataset.page) !== p;
    $('cs-where').textContent = fill(meta.labels.page, { p: p + 1, n: pages.length, lesson: info.lesson });
  }

  function show(k) {
    k = Math.max(0, Math.min(N - 1, k));
    draw(k);
    slider.value = String(k + 1);
    const p = pageOf(k);
    showPage(p);
    const first = pages.length ? pages[p].first : 0;
    const count = pages.length ? pages[p].count : N;
    $('cs-pos').textContent = fill(meta.labels.position, { k: k - first + 1, n: count });
    document.documentElement.dataset.frame = String(k + 1);
    const hash = '#' + (k + 1);
    if (location.hash !== hash) {
      try {
        history.replaceState(null, '', hash);
      } catch (e) {
        // A browser that refuses (some do for files) keeps the address as it was.
      }
    }
  }

  // Playing: one frame every `delay` ms, to the end (of the page, in a tour).
  let timer = null;
  function setPlaying(on) {
    if (timer) clearTimeout(timer);
    timer = null;
    document.documentElement.dataset.playing = on ? 'yes' : 'no';
    playButton.textContent = on ? '⏸' : '▶';
    playButton.title = on ? meta.labels.pause : meta.labels.play;
    playButton.setAttribute('aria-label', playButton.title);
    if (on) timer = setTimeout(tick, meta.delay);
  }
  const end = () => (pages.length ? pages[pageOf(at)].first + pages[pageOf(at)].count - 1 : N - 1);
  function tick() {
    if (at >= end()) return setPlaying(false);
    show(at + 1);
    setPlaying(at < end());
  }
  function toggle() {
    if (timer) return setPlaying(false);
    if (at >= end()) show(pages.length ? pages[pageOf(at)].first : 0);
    setPlaying(true);
  }
  // Any move by hand stops playing.
  const go = (k) => {
    setPlaying(false);
    show(k);
  };
  const row = () => Math.max(1, pages.length ? pages[pageOf(at)].row : meta.row);
  const pageStart = (p) => pages[Math.max(0, Math.min(pages.length - 1, p))].first;
  const actions = {
    next: () => go(at + 1),
    prev: () => go(at - 1),
    down: () => go(at + row()),
    up: () => go(at - row()),
    first: () => go(0),
    last: () => go(N - 1),
    play: toggle,
    nextPage: () => pages.length && go(pageStart(pageOf(at) + 1)),
    prevPage: () => pages.length && go(pageStart(pageOf(at) - 1)),
  };
  const keys = {
    ArrowRight: 'next',
    l: 'next',
    ArrowLeft: 'prev',
    h: 'prev',
    j: 'down',
    k: 'up',
    Home: 'first',
    g: 'first',
    End: 'last',
    G: 'last',
    ' ': 'play',
  };
  if (pages.length) Object.assign(keys, { n: 'nextPage', p: 'prevPage', PageDown: 'nextPage', PageUp: 'prevPage' });
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    const t = e.target;
    // Space and Enter on a focused button or link press it, as everywhere.
    if ((e.key === ' ' || e.key === 'Enter') && t.closest && t.closest('button, a, summary')) return;
    const name = keys[e.key];
    if (!name) return;
    e.preventDefault();
    actions[name]();
  });
  for (const b of document.querySelectorAll('[data-act]')) {
    b.addEventListener('click', () => actions[b.dataset.act]());
    // A click leaves the keyboard focus where it was, so Space keeps playing.
    b.addEventListener('mousedown', (e) => e.preventDefault());
  }
  slider.addEventListener('input', () => go(Number(slider.value) - 1));

  // Touch: a quick horizontal swipe over the frame steps.
  let touch = null;
  stage.addEventListener(
    'touchstart',
    (e) => {
      const t = e.touches[0];
      touch = e.touches.length === 1 ? { x: t.clientX, y: t.clientY, at: Date.now() } : null;
    },
    { passive: true },
  );
  stage.addEventListener(
    'touchend',
    (e) => {
      if (!touch) return;
      const t = e.changedTouches[0];
      const dx = t.clientX - touch.x;
      const dy = t.clientY - touch.y;
      const quick = Date.now() - touch.at < 800;
      touch = null;
      if (quick && Math.abs(dx) > 40 && Math.abs(dx) > 2 * Math.abs(dy)) actions[dx < 0 ? 'next' : 'prev']();
    },
    { passive: true },
  );

  // The frame keeps its 9 x 18 px cells, scaled down as a whole to fit a narrow
  // window (a phone); the text stays text.
  function fit() {
    const box = stage.parentElement;
    const style = getComputedStyle(box);
    const width = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const scale = Math.min(1, width / meta.width);
    frame.style.transform = scale < 1 ? 'scale(' + scale + ')' : '';
    stage.style.width = meta.width * scale + 'px';
    stage.style.height = meta.height * scale + 'px';
  }
  addEventListener('resize', fit);
  fit();

  // `#12` is frame 12; `#p3`, in a tour, the first frame of page 3.
  function fromHash() {
    const h = decodeURIComponent(location.hash.slice(1));
    if (/^\d+$/.test(h)) return Number(h) - 1;
    const m = /^p(\d+)$/.exec(h);
    if (m && pages.length) return pageStart(Number(m[1]) - 1);
    return null;
  }
  addEventListener('hashchange', () => {
    const k = fromHash();
    if (k !== null && k !== at) go(k);
  });
  const start = fromHash();
  show(start === null ? 0 : start);
  // A recording plays as its GIF would, unless a link asked for one frame, it is a
  // tour (time to read), or the reader asked for less motion.
  const still = matchMedia('(prefers-reduced-motion: reduce)').matches;
  setPlaying(start === null && !still && !pages.length && N > 1);
  document.documentElement.dataset.ready = 'yes';
})();
