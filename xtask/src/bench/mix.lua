-- The load `cargo xtask bench ingest` puts on a server with wrk: the mix of
-- callbacks, repeats as the mode says, and 200s counted per thread and printed
-- at the end. xtask/src/bench/script.rs reads this file and replaces @TOKEN@
-- with the callback secret before handing it to wrk.
local threads = {}
local next_tid = 1

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

local n = 0
local sent = {}
acknowledged = 0
other = 0
repeats = 0
local json = { ["Content-Type"] = "application/json" }
local token = "?token=@TOKEN@"

-- Arguments (after wrk's `--`): the mode (mixed, new or replay), the
-- digits that make this run's ids unlike any other run's, and for replay
-- the file of stored requests to send again.
local mode = "mixed"
local prefix = "0"
local replay = {}
local cursor = 0

function init(args)
  mode = args[1] or mode
  prefix = args[2] or prefix
  math.randomseed(tid * 7919 + os.time())
  if mode == "replay" then
    for k, r in ipairs(dofile(args[3])) do
      local headers = nil
      if r[4] then headers = { ["Content-Type"] = r[4] } end
      replay[k] = wrk.format(r[1], r[2], headers, r[3])
    end
    cursor = (tid * 7919) % #replay
  end
end

local function ts(i) return 1700000000000 + i end

local function id(i, k)
  if k then return string.format("bm%s%dx%d-%d", prefix, tid, i, k) end
  return string.format("bm%s%dx%d", prefix, tid, i)
end

local function one_api_status(mid, i)
  return string.format('{"channel":"sms","messageId":"%s","clientMessageId":"order-%d","status":"DELIVERED_TO_DEVICE","statusCode":4,"timestamp":%d}', mid, i, ts(i))
end

local function smarthive(mid)
  return string.format('{"msg_id":"%s","status":"DELIVRD","dlr_code":"000","timestamp":"202311042057","str_length":"157","pg_length":1,"cost":"0.02","desc":"DELIVERED","operator":"MTN"}', mid)
end

-- Each maker returns method, path (with query), headers, body.
local makers = {
  function(i) -- Clickatell SMS status, POST
    return "POST", "/client-callback/sms-status" .. token, json, string.format(
      '{"integrationName":"bench","messageId":"%s","requestId":"req-%d","clientMessageId":"order-%d","to":"27820000001","from":"27820000000","statusCode":4,"status":"RECEIVED_BY_RECIPIENT","statusDescription":"Received by recipient","timestamp":%d}',
      id(i), i, i, ts(i))
  end,
  function(i) -- Clickatell SMS status, GET
    return "GET", string.format(
      "/client-callback/sms-status%s&integrationName=bench&messageId=%s&requestId=req-%d&to=27820000001&from=27820000000&statusCode=003&status=DELIVERED_TO_GATEWAY&statusDescription=Delivered%%20to%%20gateway&timestamp=%d",
      token, id(i), i, ts(i)), nil, nil
  end,
  function(i) -- Clickatell SMS reply, POST
    return "POST", "/client-callback/sms-reply" .. token, json, string.format(
      '{"integrationName":"bench","replyMessageId":"%s","messageId":"out-%d","fromNumber":"27820000003","toNumber":"27820000000","timestamp":%d,"text":"Yes please","charset":"UTF-8","udh":"","network":"1","keyword":"YES"}',
      id(i), i, ts(i))
  end,
  function(i) -- Clickatell SMS reply, GET
    return "GET", string.format(
      "/client-callback/sms-reply%s&integrationName=bench&replyMessageId=%s&messageId=out-%d&fromNumber=27820000002&toNumber=27820000000&timestamp=%d&text=Stop&charset=UTF-8",
      token, id(i), i, ts(i)), nil, nil
  end,
  function(i) -- Clickatell One API statuses, 1 to 3 in one body
    local events = {}
    for k = 1, math.random(3) do events[k] = one_api_status(id(i, k), i) end
    return "POST", "/client-callback/one-api-status" .. token, json, string.format(
      '{"integrationId":"int-1","integrationName":"bench","event":{"messageStatusUpdate":[%s]}}', table.concat(events, ","))
  end,
  function(i) -- Clickatell One API inbound
    return "POST", "/client-callback/one-api-reply" .. token, json, string.format(
      '{"integrationId":"int-1","integrationName":"bench","event":{"moText":[{"channel":"whatsapp","messageId":"%s","relatedMessageId":"oa-%d","from":"27820000002","to":"27820000000","timestamp":%d,"charset":"UTF-8","content":"Hello there","whatsapp":{"profileName":"Thandi"}}]}}',
      id(i), i, ts(i))
  end,
  function(i) -- SmartHive, a single report or a batch of 2 or 3
    local count = math.random(3)
    if count == 1 then
      return "POST", "/client-callback/smarthive-status" .. token, json, smarthive(id(i))
    end
    local reports = {}
    for k = 1, count do reports[k] = smarthive(id(i, k)) end
    return "POST", "/client-callback/smarthive-status" .. token, json, "[" .. table.concat(reports, ",") .. "]"
  end,
  function(i) -- ClearLine
    return "POST", "/client-callback/clearline-status" .. token, json, string.format(
      '{"messageId":"%s","deliveryStatus":"Delivered","externalDeliveryStatus":"Delivered","reasonText":"ok","deliveredAt":"2023-11-14T22:13:20Z"}',
      id(i))
  end,
}

local KEEP = 1000

function request()
  if mode == "replay" then
    repeats = repeats + 1
    cursor = cursor % #replay + 1
    return replay[cursor]
  end
  if mode == "mixed" and #sent > 0 and math.random() < 0.2 then
    repeats = repeats + 1
    return sent[math.random(#sent)]
  end
  n = n + 1
  local method, path, headers, body = makers[math.random(#makers)](n)
  local req = wrk.format(method, path, headers, body)
  if #sent < KEEP then sent[#sent + 1] = req else sent[math.random(KEEP)] = req end
  return req
end

function response(status, headers, body)
  if status == 200 then acknowledged = acknowledged + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local a, o, r = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("acknowledged")
    o = o + t:get("other")
    r = r + t:get("repeats")
  end
  io.write(string.format("bench-acknowledged %d\nbench-other %d\nbench-repeats %d\n", a, o, r))
end
