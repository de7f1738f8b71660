// The patient page (docs/pages.md): GET /worklist/patients/{id}/timeline, every chart on one time axis.
import { el, day, getJson, setUpTokenForm } from './common.js';

const $ = (selector) => document.querySelector(selector);
const DAY_MS = 86_400_000;

const ANALYTE_LABEL = {
  calciumTotal: 'Calcium (total)',
  calciumCorrected: 'Calcium (albumin-corrected)',
  calciumIonised: 'Calcium (ionised)',
  vitaminD: '25-OH vitamin D',
  egfr: 'eGFR',
  p1np: 'P1NP',
};
const SITE_COLOUR = { spine: '#3b6ea5', totalHip: '#c0392b', femur: '#e6a700' };
const charts = [];

const time = (value) => Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
const formatTick = (value) => new Date(value).toISOString().slice(0, 10);

/** The x axis every chart shares: from the first to the last dated event, a month either side. */
function axisRange(timeline) {
  const times = [
    ...timeline.fractures.flatMap((f) => (f.date ? [time(f.date)] : [])),
    ...timeline.tScores.map((t) => time(t.date)),
    ...timeline.labs.flatMap((lab) => lab.points.map((p) => time(p.date))),
    ...timeline.drugPeriods.flatMap((d) => [
      ...(d.start ? [time(d.start)] : []),
      ...(d.end ? [time(d.end)] : []),
      ...d.doses.map(time),
    ]),
    time(timeline.evaluatedAt),
  ].filter(Number.isFinite);
  return { min: Math.min(...times) - 30 * DAY_MS, max: Math.max(...times) + 30 * DAY_MS };
}

function xAxis(range, showTicks) {
  return {
    type: 'linear',
    min: range.min,
    max: range.max,
    afterFit: (axis) => {
      axis.paddingLeft = 0;
    },
    ticks: { display: showTicks, callback: formatTick, maxTicksLimit: 8 },
  };
}

/** Every chart's y axis has the same width, so the x axes line up. */
const yWidth = (axis) => {
  axis.width = 100;
};

function eventsChart(timeline, range, now) {
  const drugs = timeline.drugPeriods.map((d) => d.drug);
  const tracks = ['fractures', ...drugs];
  const datasets = [
    {
      label: 'fracture',
      type: 'scatter',
      data: timeline.fractures.flatMap((f) => (f.date ? [{ x: time(f.date), y: 0 }] : [])),
      pointStyle: 'triangle',
      pointRadius: 9,
      backgroundColor: '#c0392b',
    },
  ];
  timeline.drugPeriods.forEach((drug, index) => {
    const y = index + 1;
    const start = drug.start ? time(drug.start) : undefined;
    const end = drug.end ? time(drug.end) : now;
    if (start !== undefined) {
      datasets.push({
        label: `${drug.drug} period`,
        type: 'line',
        data: [
          { x: start, y },
          { x: end, y },
        ],
        borderColor: '#2e8b57',
        borderWidth: 10,
        pointRadius: 0,
        order: 2,
      });
    }
    if (drug.doses.length) {
      datasets.push({
        label: `${drug.drug} dose`,
        type: 'scatter',
        data: drug.doses.map((d) => ({ x: time(d), y })),
        pointRadius: 6,
        backgroundColor: '#fff',
        borderColor: '#1b4d32',
        borderWidth: 2,
        // Drawn over the period's bar.
        order: 1,
      });
    }
  });
  return new Chart($('#events-chart'), {
    type: 'scatter',
    data: { datasets },
    options: {
      animation: false,
      maintainAspectRatio: false,
      plugins: {
        legend: { display: false },
        title: { display: true, text: 'Fractures and drugs' },
      },
      scales: {
        x: xAxis(range, true),
        y: {
          min: -0.5,
          max: tracks.length - 0.5,
          reverse: true,
          afterFit: yWidth,
          // One labelled tick per track: fractures, then each drug.
          afterBuildTicks: (axis) => {
            axis.ticks = tracks.map((_, index) => ({ value: index }));
          },
          ticks: { callback: (value) => tracks[value] ?? '' },
        },
      },
    },
  });
}

function tScoreChart(timeline, range) {
  const sites = [...new Set(timeline.tScores.map((t) => t.site))];
  return new Chart($('#tscore-chart'), {
    type: 'line',
    data: {
      datasets: [
        ...sites.map((site) => ({
          label: `T-score ${site}`,
          data: timeline.tScores
            .filter((t) => t.site === site)
            .map((t) => ({ x: time(t.date), y: t.value })),
          borderColor: SITE_COLOUR[site],
          backgroundColor: SITE_COLOUR[site],
          pointRadius: 5,
        })),
        {
          label: 'osteoporosis (−2.5)',
          data: [
            { x: range.min, y: -2.5 },
            { x: range.max, y: -2.5 },
          ],
          borderColor: '#999',
          borderDash: [6, 4],
          pointRadius: 0,
        },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      plugins: { title: { display: true, text: 'DXA T-scores' } },
      scales: {
        x: xAxis(range, true),
        y: { suggestedMin: -4, suggestedMax: 0, afterFit: yWidth },
      },
    },
  });
}

function labChart(canvas, lab, range) {
  return new Chart(canvas, {
    type: 'line',
    data: {
      datasets: [
        {
          label: `${ANALYTE_LABEL[lab.analyte] ?? lab.analyte} (${lab.unit})`,
          data: lab.points.map((p) => ({ x: time(p.date), y: p.value })),
          borderColor: '#3b6ea5',
          backgroundColor: '#3b6ea5',
          pointRadius: 4,
        },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      // No legend beside the plot: every chart's plot area keeps the same width.
      plugins: {
        legend: { display: false },
        title: {
          display: true,
          text: `${ANALYTE_LABEL[lab.analyte] ?? lab.analyte} (${lab.unit})`,
        },
      },
      scales: { x: xAxis(range, true), y: { afterFit: yWidth } },
    },
  });
}

function renderTables(timeline) {
  $('#fractures tbody').replaceChildren(
    ...timeline.fractures.map((f) =>
      el(
        'tr',
        {},
        el('td', {}, day(f.date) || 'undated'),
        el('td', {}, f.site),
        el('td', {}, f.code),
        el('td', {}, f.source),
      ),
    ),
  );
  $('#tscores tbody').replaceChildren(
    ...timeline.tScores.map((t) =>
      el(
        'tr',
        {},
        el('td', {}, day(t.date)),
        el('td', {}, t.site),
        el('td', { class: 'num' }, t.value),
        el('td', {}, t.source),
      ),
    ),
  );
  $('#labs tbody').replaceChildren(
    ...timeline.labs.flatMap((lab) =>
      lab.points.map((p) =>
        el(
          'tr',
          { 'data-analyte': lab.analyte },
          el('td', {}, day(p.date)),
          el('td', {}, ANALYTE_LABEL[lab.analyte] ?? lab.analyte),
          el('td', { class: 'num' }, `${p.comparator ?? ''}${p.value}`),
          el('td', {}, lab.unit),
          el('td', {}, p.source),
        ),
      ),
    ),
  );
  $('#drugs tbody').replaceChildren(
    ...timeline.drugPeriods.map((d) =>
      el(
        'tr',
        {},
        el('td', {}, d.drug),
        el('td', {}, day(d.start) || '–'),
        el('td', {}, d.current ? 'current' : day(d.end) || '–'),
        el('td', {}, d.doses.map(day).join(', ')),
      ),
    ),
  );
}

async function load() {
  const id = new URLSearchParams(location.search).get('id') ?? '';
  $('#patient-id').textContent = id;
  if (!id) {
    $('#status').textContent = 'No patient: open this page as patient.html?id=<patient id>.';
    return;
  }
  for (const chart of charts.splice(0)) chart.destroy();
  $('#status').textContent = 'Loading…';
  let timeline;
  try {
    timeline = await getJson(`../worklist/patients/${encodeURIComponent(id)}/timeline`);
  } catch (error) {
    $('#status').textContent = error.message;
    $('#status').className = 'error';
    $('#timeline-section').hidden = true;
    return;
  }
  $('#status').className = '';
  $('#status').textContent =
    `Evaluated ${timeline.evaluatedAt.slice(0, 16).replace('T', ' ')} UTC.`;
  $('#demographics').textContent = [
    timeline.sex,
    timeline.ageYears !== undefined ? `${timeline.ageYears} years` : undefined,
    timeline.birthDate ? `born ${timeline.birthDate}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  $('#timeline-section').hidden = false;
  const range = axisRange(timeline);
  const now = time(timeline.evaluatedAt);
  charts.push(eventsChart(timeline, range, now), tScoreChart(timeline, range));
  $('#lab-charts').replaceChildren();
  for (const lab of timeline.labs) {
    const canvas = el('canvas', { 'aria-label': lab.analyte });
    $('#lab-charts').append(el('div', { class: 'chart lab', 'data-analyte': lab.analyte }, canvas));
    charts.push(labChart(canvas, lab, range));
  }
  renderTables(timeline);
  document.body.dataset.loaded = 'true';
}

setUpTokenForm($('#token-form'), load);
void load();
