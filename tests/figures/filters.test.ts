/** Filters from the query string: defaults, and a FilterError naming the field for every bad value. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FilterError, parseFilters, parseTableRequest } from '../../src/figures/filters.ts';
import type { FilterOptions } from '../../src/figures/types.ts';

const OPTIONS: FilterOptions = {
  categories: ['Head office', '부산 지점', '서울 지점', '온라인'],
  metrics: ['members', 'revenue', 'visitors'],
  firstDate: '2024-01-01',
  lastDate: '2025-06-30',
};
const EMPTY: FilterOptions = { categories: [], metrics: [], firstDate: null, lastDate: null };
const TODAY = '2026-03-31';

function fails(run: () => unknown, field: string, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof FilterError, `not a FilterError: ${String(error)}`);
    assert.equal(error.field, field);
    assert.match(error.message, message);
    return true;
  });
}

test('defaults: the 90 days up to the last day with data, every category, the first metric', () => {
  assert.deepEqual(parseFilters({}, OPTIONS, TODAY), { from: '2025-04-02', to: '2025-06-30', category: null, metric: 'members' });
  // With no data at all: up to today, and an empty metric (the view is all zeros).
  assert.deepEqual(parseFilters({}, EMPTY, TODAY), { from: '2026-01-01', to: '2026-03-31', category: null, metric: '' });
  // Empty strings mean "not set", as a form with an empty field sends them.
  assert.deepEqual(parseFilters({ from: '', to: ' ', category: '', metric: '' }, OPTIONS, TODAY), parseFilters({}, OPTIONS, TODAY));
});

test('given values are kept; `to` alone moves the default start; names are NFC-normalised', () => {
  assert.deepEqual(parseFilters({ from: '2024-02-29', to: '2024-03-01', category: '서울 지점', metric: 'visitors' }, OPTIONS, TODAY), {
    from: '2024-02-29',
    to: '2024-03-01',
    category: '서울 지점',
    metric: 'visitors',
  });
  assert.equal(parseFilters({ to: '2024-12-31' }, OPTIONS, TODAY).from, '2024-10-03');
  assert.equal(parseFilters({ from: '2025-06-30' }, OPTIONS, TODAY).to, '2025-06-30');
  assert.equal(parseFilters({ category: '부산 지점'.normalize('NFD') }, OPTIONS, TODAY).category, '부산 지점');
});

test('bad dates, a reversed or too long period, unknown category or metric: FilterError naming the field', () => {
  fails(() => parseFilters({ from: '2025-02-30' }, OPTIONS, TODAY), 'from', /The start date “2025-02-30” is not a day of the calendar.*YYYY-MM-DD/);
  fails(() => parseFilters({ to: '2025/01/01' }, OPTIONS, TODAY), 'to', /The end date “2025\/01\/01” is not a day/);
  fails(() => parseFilters({ to: '2025-1-1' }, OPTIONS, TODAY), 'to', /The end date .* is not a day/);
  fails(() => parseFilters({ from: '2025-02-01', to: '2025-01-31' }, OPTIONS, TODAY), 'from', /The start date \(2025-02-01\) is after the end date \(2025-01-31\)/);
  fails(() => parseFilters({ from: '2015-01-01', to: '2025-01-01' }, OPTIONS, TODAY), 'from', /longer than 10 years/);
  assert.equal(parseFilters({ from: '2015-01-02', to: '2025-01-01' }, OPTIONS, TODAY).from, '2015-01-02', 'exactly ten years is allowed');
  fails(() => parseFilters({ category: 'Tokyo' }, OPTIONS, TODAY), 'category', /no figures for the category “Tokyo”/);
  fails(() => parseFilters({ metric: 'profit' }, OPTIONS, TODAY), 'metric', /no figures for the metric “profit”/);
  fails(() => parseFilters({ metric: 'revenue' }, EMPTY, TODAY), 'metric', /no figures for the metric/);
});

test('table requests: defaults, bounds and FilterError for each bad field', () => {
  assert.deepEqual(parseTableRequest({}), { page: 1, pageSize: 25, sort: 'date', dir: 'desc' });
  assert.deepEqual(parseTableRequest({ page: '3', pageSize: '200', sort: 'value', dir: 'asc' }), { page: 3, pageSize: 200, sort: 'value', dir: 'asc' });
  for (const page of ['0', '-1', '1.5', 'x', '1e3']) fails(() => parseTableRequest({ page }), 'page', /page must be a whole number from 1/);
  for (const pageSize of ['0', '201', 'ten']) fails(() => parseTableRequest({ pageSize }), 'pageSize', /pageSize must be a whole number from 1 to 200/);
  fails(() => parseTableRequest({ sort: 'note' }), 'sort', /sort must be one of date, category, metric, value/);
  fails(() => parseTableRequest({ sort: 'value; DROP TABLE records' }), 'sort', /sort must be one of/);
  fails(() => parseTableRequest({ dir: 'up' }), 'dir', /dir must be asc or desc/);
});
