/**
 * A segment file (format 2) whose blocks are block codec 1, as a build before codec 2 left it
 * after a write of LEGACY_POINTS to series `legacy` of database `old` on a one-shard
 * server with a fresh sequence counter, then a stop. Not to be regenerated: it stands for
 * bytes already on disks.
 */
import type { SegmentFile } from '../../src/storage/manifest.js';

export const CODEC1_SEGMENT_BASE64 = 'U0xVU0VHMDIB7ddJUxRnAMbxp+f9g4AwyKYoCELEHYhErYgbKG4RBRQFg0IGGAFBthkGXKMClvfccswHSE65ppIyHyDHHJKqXPIFUJTFJdVvDzCUaFJxqVTFrl5m6ZrufvrXT0/HS+oJdgTargrJSJLjzn5Jb6uUfvh6658Zh7xPdP9Bhbu4ff9BRZykSKBnKOjzOe9uWOK3//3m3nxH3+Wh/uPh7ezEWzuU/0Qmbzi8t2N472G9hw36fF45/Dr2o10Gv7clIWmYexpmXBEijGmIuwoT4rYGuKU+ermmHkbUSSchBelXgC/o1gU61cg5WnWGZp3ic33GMep1iFodYB/HtZsq7aCM/SqmXJvZSJk+olR55LJZ2axXJhnkKZUcLWeVEognQ4YVEi9Msp6aRM2aaROvJyZOj82k8WnSOHpoHppGx9GEmbDv3MmnR2bSGD02cZoy0yZBM6bHeWFS5JAmQzxZSmC1kkkhT2kUKotVbFIOW7WOAsq0gV3awh6VsJ1K7eSIytlLtSqoUxVHadAJmlRLHQGdJajzNNGtZvoUoJ2QLhHRMV8PV7ihfm5pkEHuKMyohojYdMc1gpv1SPTVuIYZU4QhRhXmjkJ8qQH6uKkrXFM3XUR0ibDaaKVXzXSrifMEdZaATlNDk07QoKMcplYVVGsv5fzhVGo7e1XMFnZpA9tVSD7blMNGZZNFgdJZKz/JZCuRLMUBK+Tg13PzzCRp1iRoyib+2KBJm6uXsPTQTNi57Blwv/HZsxKnJ2aZps2MSdQzk6wXxi8fhnTFs1JJLCdHfvKVThbrlc0mrSWPUhXyiTaymXIVs19l7KBKuzmufRygVoeo1zEaVc0pWnSaVp2jkU5doEctBBhQO2F10MWIurmuXvq4pQFuK0SIi75Rm/iwzXnECh+x791pwflgjPPr6mZEXXQQVjsDCnBFzTRZ5+06y+lFzquoea3zEuWTyyZ942SyTmnEKk8XpM4rT9KMVT5lsHkaPTKOzd1L21U+YWKdE3U+ZRI0a5L0zDw3fjmsEMSRpUSylYx/XnqRVpNrpZfqu7i/d35BNdb5uajzy2qhV60MKEgHEXVxVa70m+qzZkMx0seiGXuZz+XuXQHuGq50N/V++rkRI72DUFR6C5fnpbeqLkb6GR2kgpPawzF9yk5ebX0VKylQGnlR6wlkKR5DmhxS9MIs11MzYxLk5v7YPDFmkfW5bpmIto17Ntw13GvCvTqmbTM9jbGeYa0nWuup1nomRa+x/rvjST+pgyxIr6HZSm+w0puWkN7DtUXSXcNDtkXGokmPzPeM1+nDNvVRe1W83OkRBfE63bV+IWq93lqvsdaPvtL6bm1hh4pwrX/rrCGbInnW/dZ6tpYt0egzZmZRo7st4qW+0C4TNnFHky91umt9rtVjrecqlXQKtHLeej4faz1eq5erdAnthzlCg6ppUg0tqsdr9S5dpNlqH1QQt9Uvc1X74xda3c38ru3t8Xnrc7l7jeOdjzCvbvWQ2mNavZFLttXruKiTLFivpHpJ60WUWetblWutZ1ForaewRkl4vZ4uH16vu9ZnzTI5TvSGvz965z/uLjNXJ/m3pZfEqdjvPiy09Q31hh2f4z1K3BsrqXSfJL767eef4iWFwoHwUMjBffzwSerrxv0DERjsdZdtg13huW28PDi+D+OH8cP4Px3/AgHtlVtPVFcYht+91zPDsUAGqOJYwIBUi1K1gRaDLYN4oHKIjFSsCgwDHaczzjAwB9TaakXTi/6F/ope9a5J/0Ave9HeNPEPAFZQ1GbtTY+JaZsmTdP0y3r3l7X3l6yV53vX2kFJ6flELH7tW0cykuTYx9eheETqaO++X3/cf6NPvuqX1Pr9p/FIQFIxli7Mu47jOn86/kLp34/nLvZHu/hHd/lvDtf1G//Nypdezn1hDRDUeACtG6M1s24crXpaM5KvNeNq3bj6wRg9NA9NmTZNuR6bJ6Zaz0yNXAwhldGoSqoIq5Zm1fOZ08Q+7aaFLrXxml7mdXXSxZs6woB66GVIxxjRAINEdZpJjTDKlMaJ6x0muaJLpDRDjJzmyCtBSe+T4oYy3NQCOW5pidsqUOCOitxViRL35GuZu7IqUmRFBT5WnkVuKceHyvKBrpJiWUkKeo85cpoho8tc4oommdM5xpnWKO/qbU4T1SBjeotjDKmX75x+HeIgvdpPt/bSRpea6dQudtKuRlpVRy1hVbFD5QS54dTK4amp1pap1CNTpg2zYfBoPvB4r3nyqfu87dwyf2CmnYBXb3lX6ol5amrkUCdoUBnlNKmasOoIsUeNdKiJMAfUwiG100GPXuGoXuUwEXVzUkfpY1j9nNUJJjTEGS5qjBlFmWBeF0jqMtNkNEtO8yQoKsk1pbnKTWX5SDks8Tx3VGBFRUrblJc98svbPbBfbEWe27LMF1jwiF9XiiRFJVhSnFkymiKliyR0ngliOsuURjjDeZ0kqgEiDKuPU3qDbiI6TJ8O0EmP9nJEe2ilU2H2aQdtqifES6phlyqpoEFBQnJxeEHPTJW2zCNTrk0T8NxrqVu2PmXf46vebNW43gmwFbY/GyaoTVOhx2brV06vV5AXVYHlXkOLQjTSrp3s124OqpXne31UEQY5p1Nc0LDn9SizP3s9rWmyivOL19Nc/43XrYcd/wBLJ/r9PLad1aDmpoC9xuPZQibvuI5/yd9b6YrYfH/s80hQ0lI+li8sOdgfA5JKscWMzfHFZN6VlE39tMLvw3H/H//R8SOdkUFugzAQRe/y1w6yx8bGvka7q7IgxElRCKgxRK0i7l6BCSFVqlT10qN5M//NBWd/CmVTwxFD8KfSB7i3C7YbODTVFrdfVH6fF19gKJqubuFEyjnDsaxfy6OHE4rfPYZj/rkoCWXtsvTiPyJjqDFsqqY4xOF/R3KSc+m6FSe14HNSkR/avI34Oh8AOOdV5/GjL3RHuNSolBKVTWgxhoSTcT6csYk1PZtJkfCItBJWciJFmTY0YVbmLg6cHEJIrm2/ZjiU9TbAXab1nJ6xKmboApzQPUOz2wXfwmUMla/37TucoNQyFKcCjlLKjEiVUcOi90YnKU+PdB1s9KODPRM6to0WKOWaEilnj4nUN5XG/q5ywdCGTJpxoegqUg4pJB/FRpblXClr/udRkDY3lRmnyaQQXAulDOl+3a/7bz0BAAC/5jRwU0xVU0VHMDI=';

/** The manifest entry that lists the file as segment 1. */
export const CODEC1_SEGMENT_ENTRY: SegmentFile = {
  id: 1,
  file: 'seg-00000001.seg',
  format: 2,
  entries: [{ db: 'old', series: 'legacy', offset: 0, length: 2061, count: 1500, minTime: 1400000000000000, maxTime: 1400014990000000, maxSeq: 15000001 }],
  tombstoneMark: 1,
};

export const LEGACY_COLUMNS = ['value', 'count', 'status'];

/** [time in s, sequence_number, value, count, status] of each written point, oldest first. */
export function legacyPoints(): [number, number, number, number, string][] {
  return Array.from({ length: 1500 }, (_, i) => [
    1_400_000_000 + i * 10,
    (i + 1) * 10_000 + 1,
    Math.round((50 + 20 * Math.sin(i / 30) + ((i * 7919) % 101) / 10) * 100) / 100,
    i * 1_000_003 - 700_000_000,
    ['ok', 'warn', 'crit'][i % 3]!,
  ]);
}
