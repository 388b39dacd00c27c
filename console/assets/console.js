// reconciler console: live updates over server-sent events, and a few
// niceties. The pages work without it; it never builds HTML from event
// data (text and class names only), and refetches pages from the daemon
// when a change is more than a few cells.
(function () {
  'use strict';
  var body = document.body;
  var mode = body.dataset.live;
  var key = body.dataset.key;
  var version = Number(body.dataset.version) || 0;
  var liveTag = document.getElementById('live');
  var notice = document.getElementById('notice');
  var fetching = false, again = false;

  function say(text) {
    notice.textContent = text;
    notice.hidden = false;
  }

  function localTimes(root) {
    root.querySelectorAll('time[datetime]').forEach(function (t) {
      if (t.getAttribute('datetime')) {
        t.title = new Date(t.getAttribute('datetime')).toLocaleString();
      }
    });
  }

  function setVersion(v) {
    version = v;
    body.dataset.version = String(v);
    document.querySelectorAll('[data-field="version"]').forEach(function (e) { e.textContent = String(v); });
  }

  // refetch replaces <main> with the same page made now (no navigation).
  function refetch() {
    if (fetching) { again = true; return; }
    fetching = true;
    fetch(location.href, { headers: { Accept: 'text/html' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(new Error('HTTP ' + r.status)); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.getElementById('main');
        if (fresh) {
          var main = document.getElementById('main');
          main.replaceWith(document.adoptNode(fresh));
          localTimes(fresh);
          wireForms(fresh);
        }
        setVersion(Number(doc.body.dataset.version) || version);
      })
      .catch(function (e) { say('Could not refresh this page (' + e.message + '): reload it.'); })
      .finally(function () {
        fetching = false;
        if (again) { again = false; refetch(); }
      });
  }

  function setText(sel, text) {
    document.querySelectorAll(sel).forEach(function (e) { e.textContent = text; });
  }

  function applyOverview(d) {
    setText('[data-total="servers"]', d.totals.servers);
    setText('[data-total="healthy"]', d.totals.healthy);
    setText('[data-total="not_ready"]', d.totals.not_ready);
    document.querySelectorAll('[data-notgood]').forEach(function (td) {
      td.textContent = String((d.totals.not_good || {})[td.dataset.notgood] || 0);
    });
    var missing = 0;
    (d.servers || []).forEach(function (s) {
      var tr = document.querySelector('tr[data-key="' + CSS.escape(s.key) + '"]');
      if (!tr) { if (s.in_scope) { missing++; } return; }
      tr.querySelectorAll('td[data-cond]').forEach(function (td) {
        var c = s.conditions[td.dataset.cond] || {};
        var st = c.status || '—';
        td.textContent = st;
        td.className = 'cond st-' + st;
        td.title = c.reason || '';
      });
      tr.querySelector('[data-field="not_ready"]').textContent = String(s.not_ready);
      var rung = tr.querySelector('[data-field="rung"]');
      rung.textContent = (s.rung || '—') + (s.paused ? ' (paused)' : '');
      rung.title = s.paused || '';
      rung.classList.toggle('paused', !!s.paused);
      tr.classList.toggle('healthy', s.healthy);
      tr.classList.add('changed');
      setTimeout(function () { tr.classList.remove('changed'); }, 2000);
    });
    return missing;
  }

  function onView(ev) {
    var d;
    try { d = JSON.parse(ev.data); } catch (e) { return; }
    if (mode === 'overview') {
      if (d.reload || location.search !== '' || applyOverview(d) > 0) {
        refetch();
        return;
      }
      setVersion(d.version);
    } else if (mode === 'server') {
      var mine = (d.servers || []).some(function (s) { return s.key === key; });
      if (d.reload || mine) { refetch(); } else { setVersion(d.version); }
    } else {
      say('The estate changed (pass ' + (d.pass || '?') + ') since this page was made: reload it to see the change.');
    }
  }

  function connect() {
    if (!window.EventSource) { return; }
    var es = new EventSource('/events?since=' + version);
    es.addEventListener('view', onView);
    es.onopen = function () { liveTag.hidden = false; };
    es.onerror = function () {
      liveTag.hidden = true;
      if (es.readyState === EventSource.CLOSED) { setTimeout(connect, 30000); }
    };
  }

  // Filters apply as soon as a choice changes.
  function wireForms(root) {
    root.querySelectorAll('form.filters select').forEach(function (s) {
      s.addEventListener('change', function () { s.form.requestSubmit(); });
    });
  }

  localTimes(document);
  wireForms(document);
  connect();
})();
