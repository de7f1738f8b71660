// The coordinator page (docs/pages.md): GET /worklist once, then filter and sort in the page.
import { el, day, getJson, percent, setUpTokenForm } from './common.js';

const STEP_ORDER = [
  'labs-missing',
  'dxa-missing',
  'decision-due',
  'no-treatment-indicated',
  'on-treatment',
  'follow-up-due',
  'secondary-referral',
  'undecided',
];

const state = { report: undefined, sortKey: 'fractureDate', sortDirection: 1, charts: [] };

const $ = (selector) => document.querySelector(selector);

function columnValue(row, key) {
  switch (key) {
    case 'fractureDate':
      return row.sentinelFracture?.date ?? '';
    case 'site':
      return row.sentinelFracture?.site ?? '';
    case 'overdue':
      return row.overdue.join(' ');
    case 'cards':
      return row.cards.join(' ');
    case 'step':
      return STEP_ORDER.indexOf(row.step);
    default:
      return row[key] ?? '';
  }
}

function compare(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (a === '' && b !== '') return 1;
  if (b === '' && a !== '') return -1;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

function visibleRows() {
  const step = $('#step-filter').value;
  const overdue = $('#overdue-filter').value;
  return state.report.patients
    .filter((row) => !step || row.step === step)
    .filter((row) => {
      if (!overdue) return true;
      if (overdue === 'any') return row.overdue.length > 0;
      if (overdue === 'none') return row.overdue.length === 0;
      return row.overdue.includes(overdue);
    })
    .sort(
      (a, b) =>
        state.sortDirection *
          compare(columnValue(a, state.sortKey), columnValue(b, state.sortKey)) ||
        a.patientId.localeCompare(b.patientId),
    );
}

function renderRows() {
  const rows = visibleRows();
  const body = $('#worklist tbody');
  body.replaceChildren(
    ...rows.map((row) =>
      el(
        'tr',
        { 'data-patient': row.patientId, 'data-step': row.step },
        el(
          'td',
          {},
          el('a', { href: `patient.html?id=${encodeURIComponent(row.patientId)}` }, row.patientId),
        ),
        el('td', { class: 'num' }, row.age ?? ''),
        el('td', {}, row.sex ?? ''),
        el('td', {}, day(row.sentinelFracture?.date)),
        el('td', {}, row.sentinelFracture?.site ?? ''),
        el('td', {}, row.group ?? ''),
        el('td', {}, el('span', { class: `step step-${row.step}` }, row.step)),
        el('td', { class: 'num' }, row.daysSinceFracture ?? ''),
        el('td', { class: row.overdue.length ? 'overdue' : '' }, row.overdue.join(', ')),
        el('td', {}, row.routing ?? ''),
        el('td', { class: 'cards' }, row.cards.join(', ')),
      ),
    ),
  );
  $('#shown').textContent = `${rows.length} of ${state.report.patients.length} patients shown`;
  for (const th of document.querySelectorAll('#worklist th')) {
    th.setAttribute(
      'aria-sort',
      th.dataset.key === state.sortKey
        ? state.sortDirection === 1
          ? 'ascending'
          : 'descending'
        : 'none',
    );
  }
}

function renderStepFilter() {
  const counts = new Map();
  for (const row of state.report.patients) counts.set(row.step, (counts.get(row.step) ?? 0) + 1);
  const steps = [...counts.keys()].sort((a, b) => STEP_ORDER.indexOf(a) - STEP_ORDER.indexOf(b));
  $('#step-filter').replaceChildren(
    el('option', { value: '' }, `all (${state.report.patients.length})`),
    ...steps.map((step) => el('option', { value: step }, `${step} (${counts.get(step)})`)),
  );
}

/** Horizontal lines at the IOF levels, drawn over the bars (a Chart.js plugin of this page). */
const levelLines = {
  id: 'iofLevels',
  afterDatasetsDraw(chart) {
    const { ctx, chartArea, scales } = chart;
    const levels = chart.options.plugins.iofLevels?.levels ?? [];
    ctx.save();
    for (const { value, color } of levels) {
      const y = scales.y.getPixelForValue(value);
      ctx.strokeStyle = color;
      ctx.setLineDash([6, 4]);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(chartArea.left, y);
      ctx.lineTo(chartArea.right, y);
      ctx.stroke();
      ctx.fillStyle = color;
      // The label right of the plot (the layout keeps room for it), clear of the bars.
      ctx.textAlign = 'left';
      ctx.textBaseline = 'middle';
      ctx.fillText(`IOF ${value} %`, chartArea.right + 6, y);
    }
    ctx.restore();
  },
};

function barColour(indicator) {
  if (indicator.proportion === undefined || indicator.proportion === null) return '#bbb';
  const { low, high } = indicator.levels ?? {};
  if (low !== undefined && indicator.proportion < low) return '#c0392b';
  if (high !== undefined && indicator.proportion < high) return '#e6a700';
  return '#2e8b57';
}

function renderIndicators() {
  const indicators = state.report.indicators;
  $('#indicators tbody').replaceChildren(
    ...indicators.map((indicator) =>
      el(
        'tr',
        { 'data-indicator': indicator.id },
        el('td', {}, indicator.id),
        el('td', { class: 'num', 'data-field': 'numerator' }, indicator.numerator),
        el('td', { class: 'num', 'data-field': 'denominator' }, indicator.denominator),
        el('td', { class: 'num', 'data-field': 'undecided' }, indicator.undecided),
        el('td', { class: 'num', 'data-field': 'pending' }, indicator.pending ?? 0),
        el('td', { class: 'num', 'data-field': 'proportion' }, percent(indicator.proportion)),
      ),
    ),
  );
  const charted = indicators.filter((indicator) => indicator.id !== 'identified');
  state.charts.push(
    new Chart($('#indicator-chart'), {
      type: 'bar',
      data: {
        labels: charted.map((i) => `${i.id} (${i.numerator}/${i.denominator})`),
        datasets: [
          {
            label: 'measured',
            data: charted.map((i) =>
              i.proportion === undefined || i.proportion === null ? null : i.proportion * 100,
            ),
            backgroundColor: charted.map(barColour),
          },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        layout: { padding: { right: 60 } },
        scales: { y: { min: 0, max: 100, title: { display: true, text: '%' } } },
        plugins: {
          legend: { display: false },
          iofLevels: {
            levels: [
              { value: 50, color: '#c0392b' },
              { value: 80, color: '#2e8b57' },
            ],
          },
        },
      },
      plugins: [levelLines],
    }),
  );
}

function renderRouting() {
  const routing = state.report.routing;
  if (!routing || routing.length === 0) return;
  $('#routing-section').hidden = false;
  $('#routing-title').textContent =
    state.report.profile === 'dk'
      ? 'DXA groups: measured shares beside seed 003'
      : 'Routing: measured shares';
  $('#routing tbody').replaceChildren(
    ...routing.map((entry) =>
      el(
        'tr',
        { 'data-routing': entry.code },
        el('td', {}, entry.code),
        el('td', { class: 'num' }, entry.count),
        el('td', { class: 'num' }, percent(entry.share)),
        el('td', { class: 'num' }, entry.expected === undefined ? '–' : percent(entry.expected)),
      ),
    ),
  );
  const datasets = [
    { label: 'measured', data: routing.map((r) => r.share * 100), backgroundColor: '#3b6ea5' },
  ];
  if (routing.some((r) => r.expected !== undefined)) {
    datasets.push({
      label: 'seed 003',
      data: routing.map((r) => (r.expected === undefined ? null : r.expected * 100)),
      backgroundColor: '#9fb8d6',
    });
  }
  state.charts.push(
    new Chart($('#routing-chart'), {
      type: 'bar',
      data: { labels: routing.map((r) => r.code), datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { y: { min: 0, max: 100, title: { display: true, text: '% of patients' } } },
      },
    }),
  );
}

async function load() {
  const form = $('#period-form');
  const from = form.elements.from.value;
  const to = form.elements.to.value;
  const profile = form.elements.profile.value;
  if (!from || !to) return;
  const query = new URLSearchParams({ from, to });
  if (profile) query.set('profile', profile);
  // The period (no patient data, no token) is kept in the page's own URL for a bookmark.
  history.replaceState(null, '', `?${query}`);
  $('#status').textContent = 'Loading…';
  for (const chart of state.charts.splice(0)) chart.destroy();
  try {
    state.report = await getJson(`../worklist?${query}`);
  } catch (error) {
    $('#status').textContent = error.message;
    $('#status').className = 'error';
    $('#worklist-section').hidden = true;
    $('#indicators-section').hidden = true;
    return;
  }
  const report = state.report;
  $('#status').className = '';
  $('#status').textContent =
    `${report.patients.length} patients, sentinel fracture ${report.period.from} – ${report.period.to}, ` +
    `profile ${report.profile}, evaluated ${report.evaluatedAt.slice(0, 16).replace('T', ' ')} UTC` +
    (report.excluded?.length ? `; ${report.excluded.length} found but not on the list` : '');
  $('#worklist-section').hidden = false;
  $('#indicators-section').hidden = false;
  $('#routing-section').hidden = true;
  renderStepFilter();
  renderRows();
  renderIndicators();
  renderRouting();
  document.body.dataset.loaded = 'true';
}

function start() {
  setUpTokenForm($('#token-form'), load);
  const params = new URLSearchParams(location.search);
  const form = $('#period-form');
  const today = new Date();
  const yearAgo = new Date(today.getTime() - 365 * 86_400_000);
  form.elements.from.value = params.get('from') ?? yearAgo.toISOString().slice(0, 10);
  form.elements.to.value = params.get('to') ?? today.toISOString().slice(0, 10);
  form.elements.profile.value = params.get('profile') ?? '';
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void load();
  });
  $('#step-filter').addEventListener('change', renderRows);
  $('#overdue-filter').addEventListener('change', renderRows);
  for (const th of document.querySelectorAll('#worklist th')) {
    th.tabIndex = 0;
    const sort = () => {
      if (state.sortKey === th.dataset.key) state.sortDirection *= -1;
      else {
        state.sortKey = th.dataset.key;
        state.sortDirection = 1;
      }
      renderRows();
    };
    th.addEventListener('click', sort);
    th.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') sort();
    });
  }
  void load();
}

start();
