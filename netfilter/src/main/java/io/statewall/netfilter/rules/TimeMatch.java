package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Packet;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * {@code -m time}: xt_time's tests of the controller's wall clock when it judges the packet, in UTC
 * (the default) or, with {@code --kerneltz}, in the controller's time zone (what the kernel's
 * {@code sys_tz} is to a host).
 *
 * @param dayStart with {@code dayStop}, seconds into the day (0 and 86399 when not given)
 * @param monthDays bit d set for day d of the month (bits 1-31 all set when not given)
 * @param weekDays bit 1 Monday ... bit 7 Sunday (all set when not given)
 * @param dateStart with {@code dateStop}, epoch seconds (0 and 2^31-1 when not given)
 */
public record TimeMatch(int dayStart, int dayStop, int monthDays, int weekDays, long dateStart, long dateStop,
    boolean kernelTz, boolean contiguous, LongSupplier epochMillis) implements Match {
  static final int ALL_MONTHDAYS = 0xFFFF_FFFE;
  static final int ALL_WEEKDAYS = 0xFE;
  static final int MAX_DAYTIME = 86399;
  static final long MAX_DATE = Integer.MAX_VALUE;
  static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss");

  @Override
  public boolean test(Packet p, ConnInfo ct) {
    long stamp = Math.floorDiv(epochMillis.getAsLong(), 1000);
    if (stamp < dateStart || stamp > dateStop) {
      return false;
    }
    if (kernelTz) {
      stamp += ZoneId.systemDefault().getRules().getOffset(Instant.ofEpochSecond(stamp)).getTotalSeconds();
    }
    long packetTime = Math.floorMod(stamp, 86400);
    if (dayStart < dayStop) {
      if (packetTime < dayStart || packetTime > dayStop) {
        return false;
      }
    } else {
      if (packetTime < dayStart && packetTime > dayStop) {
        return false;
      }
      // a window across midnight belongs, with --contiguous, to the day it started
      if (contiguous && packetTime <= dayStop) {
        stamp -= 86400;
      }
    }
    LocalDateTime t = LocalDateTime.ofEpochSecond(stamp, 0, ZoneOffset.UTC);
    if ((weekDays & (1 << t.getDayOfWeek().getValue())) == 0) {
      return false;
    }
    return monthDays == ALL_MONTHDAYS || (monthDays & (1 << t.getDayOfMonth())) != 0;
  }

  @Override
  public boolean perPacket() {
    return true;
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m time");
    if (dayStart != 0 || dayStop != MAX_DAYTIME) {
      sb.append(" --timestart ").append(clock(dayStart)).append(" --timestop ").append(clock(dayStop));
    }
    if (monthDays != ALL_MONTHDAYS) {
      sb.append(" --monthdays ");
      String sep = "";
      for (int d = 1; d <= 31; d++) {
        if ((monthDays & (1 << d)) != 0) {
          sb.append(sep).append(d);
          sep = ",";
        }
      }
    }
    if (weekDays != ALL_WEEKDAYS) {
      sb.append(" --weekdays ");
      String sep = "";
      for (int d = 1; d <= 7; d++) {
        if ((weekDays & (1 << d)) != 0) {
          sb.append(sep).append(DAYS[d - 1]);
          sep = ",";
        }
      }
    }
    if (dateStart != 0) {
      sb.append(" --datestart ").append(DATE.format(LocalDateTime.ofEpochSecond(dateStart, 0, ZoneOffset.UTC)));
    }
    if (dateStop != 0) {
      sb.append(" --datestop ").append(DATE.format(LocalDateTime.ofEpochSecond(dateStop, 0, ZoneOffset.UTC)));
    }
    if (kernelTz) {
      sb.append(" --kerneltz");
    }
    if (contiguous) {
      sb.append(" --contiguous");
    }
  }

  private static String clock(int s) {
    return String.format(Locale.ROOT, "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  }
}
