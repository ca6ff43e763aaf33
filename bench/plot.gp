# Plots of bench/run.sh and bench/growth.sh results (gnuplot, Debian package gnuplot-nox).
#
#   gnuplot -e "results='bench/results'; img='docs/img'" bench/plot.gp
#
# Reads results/conns.dat, results/batch.dat, results/growth.dat (each optional) and writes
# img/throughput-vs-connections.png, img/throughput-vs-batch.png, img/throughput-vs-store-size.png.

if (!exists("results")) results = 'bench/results'
if (!exists("img")) img = 'docs/img'

have(f) = int(system(sprintf("test -s '%s' && echo 1 || echo 0", f)))

set terminal pngcairo size 900,540 noenhanced font "sans,11"
set grid
set key top left
set format y "%.0f"

f = results . '/conns.dat'
if (have(f)) {
  set output img . '/throughput-vs-connections.png'
  set title "POST /publish, single events: throughput and p99 vs connections (wrk -t1)"
  set xlabel "connections"
  set ylabel "requests/s"
  set y2label "p99 latency (ms, log scale)"
  set logscale x 2
  set xrange [0.8:320]
  set xtics (1, 4, 16, 64, 256)
  set yrange [0:*]
  set logscale y2 10
  set y2range [*:*]
  set ytics nomirror
  set y2tics
  plot f using 1:2 with linespoints lw 2 pt 7 title "requests/s", \
       f using 1:4 axes x1y2 with linespoints lw 2 pt 5 dt 2 title "p99 ms (right axis)"
  unset logscale x
  unset logscale y2
  unset y2tics
  unset y2label
  unset xrange
  set autoscale x
  set ytics mirror
  set xtics autofreq
}

f = results . '/batch.dat'
if (have(f)) {
  set output img . '/throughput-vs-batch.png'
  set title "POST /publish, 64 connections: events/s vs events per request"
  set xlabel "events per request (batch size)"
  set ylabel "events/s"
  set logscale x 10
  set yrange [0:*]
  set key bottom right
  plot f using 1:2 with linespoints lw 2 pt 7 title "service events/s", \
       f using 1:5 with lines lw 2 dt 2 title "SQLite ceiling, 10,000 rows/transaction, seq ids", \
       f using 1:($5 * 0.7) with lines lw 1 dt 3 title "0.7 x ceiling (goal)"
  unset logscale x
  set key top left
}

f = results . '/growth.dat'
if (have(f)) {
  set output img . '/throughput-vs-store-size.png'
  set key below
  set title "POST /publish, batches of 100 UUID v4 events: events/s vs events already stored"
  set xlabel "events already stored (millions)"
  set ylabel "events/s"
  set yrange [0:*]
  set y2label "server peak RSS under load (MiB)"
  set y2range [0:*]
  set ytics nomirror
  set y2tics
  plot f using ($1 / 1e6):2 with linespoints lw 2 pt 7 title "service events/s (batch 100, UUID)", \
       f using ($1 / 1e6):($9 > 0 ? $9 : NaN) with linespoints lw 1 pt 6 dt 2 title "SQLite, classic B-tree key index, 10,000 UUID rows/tx, same size", \
       f using ($1 / 1e6):($12 > 0 ? $12 : NaN) with linespoints lw 1 pt 9 title "service events/s, 10% duplicates", \
       f using ($1 / 1e6):5 axes x1y2 with linespoints lw 1 pt 5 dt 2 title "peak RSS under load, MiB (right axis)", \
       f using ($1 / 1e6):($11 > 0 ? $11 : NaN) axes x1y2 with linespoints lw 1 pt 4 dt 3 title "dedup key index memory, MiB (right axis)"
}
