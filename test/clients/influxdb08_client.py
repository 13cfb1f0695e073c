"""Drives Debian's python3-influxdb (its InfluxDB 0.8 client, unchanged) against a Sluice server.

Usage: python3 influxdb08_client.py PORT

Every step is one or a few calls of the client's own API. Each step's outcome is recorded
whether it succeeds or raises, so one broken call does not hide the others, and the whole
record is printed as one JSON object ({"steps": [{"step", "result"} | {"step", "error"}]}) for
test/clients/python-influxdb08.test.ts to assert on.
"""

import json
import sys

from influxdb.influxdb08 import InfluxDBClient, SeriesHelper
from influxdb.influxdb08.client import InfluxDBClientError

PORT = int(sys.argv[1])
DB = 'py_clients'
# 2014-05-13T16:53:20Z and a few seconds after it, written at each precision.
T0 = 1400000000
# More points than one chunk of a chunked answer holds.
MANY = 5000


def client(username='root', password='root', database=None):
    return InfluxDBClient('127.0.0.1', PORT, username, password, database, timeout=10)


root = client()
db_root = client(database=DB)
alice = client('alice', 'alice-pass2', DB)


def list_users(cli):
    return sorted(cli.get_database_users(), key=lambda user: user['name'])


def cluster_admin_steps():
    yield 'add_cluster_admin', lambda: root.add_cluster_admin('ops', 'ops-pass1')
    yield 'get_list_cluster_admins', lambda: sorted(a['name'] for a in root.get_list_cluster_admins())
    yield 'update_cluster_admin_password', lambda: root.update_cluster_admin_password('ops', 'ops-pass2')
    yield 'cluster_admin_new_password_works', lambda: client('ops', 'ops-pass2').get_list_database()
    yield 'delete_cluster_admin', lambda: root.delete_cluster_admin('ops')
    yield 'cluster_admins_after_delete', lambda: sorted(a['name'] for a in root.get_list_cluster_admins())


def database_user_steps():
    yield 'add_database_user', lambda: db_root.add_database_user('alice', 'alice-pass1')
    yield 'add_database_user_with_permissions', lambda: db_root.add_database_user(
        'bob', 'bob-pass1', permissions=('^bob\\.', '^bob\\.'))
    yield 'get_database_users', lambda: list_users(db_root)
    yield 'update_database_user_password', lambda: db_root.update_database_user_password('alice', 'alice-pass2')
    yield 'user_new_password_works', lambda: alice.write_points(
        [{'name': 'alice_series', 'columns': ['value'], 'points': [[1]]}])
    # The client remembers a password its own user changes.
    yield 'user_changes_own_password', lambda: alice.update_database_user_password('alice', 'alice-pass3')
    yield 'user_own_new_password_works', lambda: [s['points'][0][2] for s in alice.query('select value from alice_series')]
    yield 'alter_database_user_permissions', lambda: db_root.alter_database_user(
        'bob', permissions=('^shared\\.', '^bob\\.'))
    yield 'set_database_admin', lambda: db_root.set_database_admin('alice')
    yield 'users_after_set_admin', lambda: [(u['name'], u['isAdmin'], u['readFrom'], u['writeTo'])
                                            for u in list_users(db_root)]
    yield 'database_admin_lists_users', lambda: [u['name'] for u in list_users(alice)]
    yield 'unset_database_admin', lambda: db_root.unset_database_admin('alice')
    yield 'users_after_unset_admin', lambda: [(u['name'], u['isAdmin']) for u in list_users(db_root)]
    yield 'delete_database_user', lambda: db_root.delete_database_user('bob')
    yield 'users_after_delete', lambda: [u['name'] for u in list_users(db_root)]


def write_steps():
    # The same three instants, written at each precision the client offers.
    yield 'write_points_s', lambda: db_root.write_points(
        [{'name': 'cpu', 'columns': ['time', 'value', 'host'],
          'points': [[T0, 0.5, 'a'], [T0 + 1, 1.5, 'b']]}], time_precision='s')
    yield 'write_points_ms', lambda: db_root.write_points(
        [{'name': 'cpu', 'columns': ['time', 'value', 'host'],
          'points': [[(T0 + 2) * 1000 + 250, 2.5, 'c']]}], time_precision='ms')
    yield 'write_points_m', lambda: db_root.write_points(
        [{'name': 'cpu', 'columns': ['time', 'value', 'host'],
          'points': [[(T0 + 3) * 1000, 3.5, 'd']]}], time_precision='m')
    yield 'write_points_u', lambda: db_root.write_points(
        [{'name': 'cpu', 'columns': ['time', 'value', 'host'],
          'points': [[(T0 + 4) * 1000000 + 7, 4.5, 'e']]}], time_precision='u')
    yield 'write_points_many', lambda: db_root.write_points(
        [{'name': 'many', 'columns': ['time', 'n'], 'points': [[T0 + i, i] for i in range(MANY)]}])
    yield 'write_points_batch_size', lambda: db_root.write_points(
        [{'name': 'mem', 'columns': ['time', 'used'], 'points': [[T0 + i, i] for i in range(5)]}],
        time_precision='s', batch_size=2)
    yield 'write_points_with_precision', lambda: db_root.write_points_with_precision(
        [{'name': 'disk', 'columns': ['time', 'free'], 'points': [[T0, 10]]}], time_precision='s')
    yield 'series_helper_commit', series_helper_commit
    yield 'write_v09_endpoint', lambda: db_root.write({'database': DB, 'points': []})


def series_helper_commit():
    class Events(SeriesHelper):
        class Meta:
            client = db_root
            series_name = 'events.{kind}'
            fields = ['kind', 'count']
    Events(kind='login', count=3)
    Events(kind='login', count=4)
    return Events.commit()


def without_sequence_numbers(series_list):
    """Sequence numbers are the server's to choose; the rest of a query answer is exact."""
    result = []
    for series in series_list:
        drop = series['columns'].index('sequence_number')
        result.append({'name': series['name'],
                       'columns': [c for i, c in enumerate(series['columns']) if i != drop],
                       'points': [[v for i, v in enumerate(p) if i != drop] for p in series['points']]})
    return result


def query_chunked_many():
    parts = db_root.query('select n from many', chunked=True)
    times = [point[0] for part in parts for point in part['points']]
    return {'several_chunks': len(parts) > 1, 'names': sorted({part['name'] for part in parts}),
            'all_points_in_order': times == [T0 + i for i in reversed(range(MANY))]}


def query_steps():
    yield 'query_s', lambda: without_sequence_numbers(db_root.query('select value, host from cpu'))
    yield 'query_ms', lambda: without_sequence_numbers(
        db_root.query('select value from cpu where time < 1400000003s', time_precision='ms'))
    yield 'query_u', lambda: without_sequence_numbers(
        db_root.query('select value from cpu', time_precision='u'))
    yield 'query_aggregate', lambda: db_root.query('select count(used), sum(used) from mem')
    yield 'query_chunked', lambda: [without_sequence_numbers([part])[0] for part in
                                    db_root.query('select used from mem', chunked=True)]
    yield 'query_chunked_many', query_chunked_many
    yield 'query_chunked_regex', lambda: sorted(part['name'] for part in
                                                db_root.query('select * from /^(cpu|disk)$/', chunked=True))
    yield 'query_events', lambda: [(s['name'], [p[2:] for p in s['points']])
                                   for s in db_root.query('select kind, count from /^events\\./')]
    yield 'get_list_series', lambda: sorted(db_root.get_list_series())


def delete_steps():
    yield 'delete_series', lambda: db_root.delete_series('disk')
    yield 'delete_points', lambda: db_root.delete_points('alice_series')
    yield 'series_after_deletes', lambda: sorted(db_root.get_list_series())


def continuous_query_steps():
    yield 'create_continuous_query', lambda: db_root.query('select * from cpu into cpu.copy')
    yield 'create_grouped_continuous_query', lambda: db_root.query(
        'select mean(value) from cpu group by time(1m) into cpu.1m')
    yield 'get_list_continuous_queries', lambda: db_root.get_list_continuous_queries()
    yield 'drop_continuous_query', lambda: db_root.query('drop continuous query 1')
    yield 'continuous_queries_after_drop', lambda: db_root.get_list_continuous_queries()


def database_steps():
    yield 'get_list_database_empty', root.get_list_database
    yield 'create_database', lambda: root.create_database(DB)
    yield 'create_database_again', lambda: root.create_database(DB)
    yield 'create_second_database', lambda: root.create_database('py_scratch')
    yield 'get_list_database', root.get_list_database
    yield 'delete_database', lambda: root.delete_database('py_scratch')
    yield 'get_list_database_after_delete', root.get_list_database


def final_steps():
    yield 'delete_last_database', lambda: root.delete_database(DB)
    yield 'get_list_database_at_end', root.get_list_database


def run(step, call):
    try:
        return {'step': step, 'result': call()}
    except InfluxDBClientError as error:
        content = error.content.decode() if isinstance(error.content, bytes) else error.content
        return {'step': step, 'error': {'status': error.code, 'content': content}}
    except Exception as error:  # noqa: BLE001 - any other failure is a finding to report
        return {'step': step, 'error': {'type': type(error).__name__, 'message': str(error)}}


def main():
    groups = [database_steps, cluster_admin_steps, database_user_steps, write_steps,
              query_steps, delete_steps, continuous_query_steps, final_steps]
    outcomes = [run(step, call) for group in groups for step, call in group()]
    json.dump({'steps': outcomes}, sys.stdout)


main()
