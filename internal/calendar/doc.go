// Package calendar is Liên Thông's working calendar for Vietnamese civil servants: which days are working
// days (ngày làm việc), public holidays (ngày nghỉ lễ, tết), compensatory days off (nghỉ bù) and the
// swapped days and make-up Saturdays (làm bù) of each year, and the deadlines in working days that the
// one-stop shop (bộ phận một cửa) promises on a dossier's receipt slip. It also converts dates to and from
// the Vietnamese lunar calendar, which fixes Tết and Hùng Kings' Day.
//
// Every date is a day in Vietnam (UTC+7, Asia/Ho_Chi_Minh), whatever the location of the time.Time
// passed in; results are in a fixed UTC+7 zone, so no tzdata is needed. Years with a published schedule
// (the embedded data/YYYY.json files, or files loaded with LoadYear) follow it exactly; other years use
// defaults computed from the Labour Code 2019, and Calendar.Source says which.
//
// The package imports only the standard library and keeps no mutable package state; a Calendar is
// immutable once built and safe for concurrent use.
package calendar
