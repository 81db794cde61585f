/**
 * Reading and verifying SQLite write-ahead-log files and the -shm wal-index header, written from
 * SQLite's documented file format (fileformat2.html, walformat.html).
 */
package dev.walship.wal;
