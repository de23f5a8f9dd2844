package vn

import "time"

// ICT is Vietnam's time zone (UTC+7, no daylight saving): dates are shown, documents dated and
// national records written in it. A fixed zone, so no tzdata is needed.
var ICT = time.FixedZone("ICT", 7*3600)
