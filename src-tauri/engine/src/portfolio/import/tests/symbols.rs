//! What every layout shares: symbols as exchanges write them, a file's
//! encoding, numbers and times as exports write them, preambles and blank
//! lines.

use std::borrow::Cow;

use chrono::{TimeZone, Utc};

use super::super::aliases::Symbol;
use super::super::encoding::decode;
use super::super::row::time;
use super::*;

#[test]
fn exchange_symbols_name_the_coins_they_are() {
    let cases = [
        ("XXBT", "btc"),
        ("XBT", "btc"),
        ("XXDG", "doge"),
        ("XDG", "doge"),
        ("XETH", "eth"),
        ("ZEUR", "eur"),
        ("ZUSD", "usd"),
        ("ZGBP", "gbp"),
        ("ZJPY", "jpy"),
        ("ZCAD", "cad"),
        ("ZCHF", "chf"),
        ("ETH2", "eth"),
        ("ETH2.S", "eth"),
        ("DOT.S", "dot"),
        ("USDC.M", "usdc"),
        ("ADA.B", "ada"),
        ("SOL.F", "sol"),
        ("KSM.P", "ksm"),
        ("USD.HOLD", "usd"),
        ("DOT28.S", "dot"),
        ("KSM07.S", "ksm"),
        ("C98.S", "c98"),
        ("BTC", "btc"),
        ("1INCH", "1inch"),
        ("usdt", "usdt"),
        ("  SOL ", "sol"),
    ];
    for (raw, asset) in cases {
        assert_eq!(Symbol::new(raw).asset, asset, "{raw}");
    }
    assert_eq!(
        Symbol::new("ETH2").note("on Coinbase").as_deref(),
        Some("ETH2 on Coinbase")
    );
    assert_eq!(
        Symbol::new("USDC.M").note("on Kraken").as_deref(),
        Some("USDC.M on Kraken")
    );
    // Only a symbol changed is noted, not one in another case.
    assert_eq!(Symbol::new("BTC").note("on Coinbase"), None);
    assert_eq!(Symbol::new("eth").note("on Binance"), None);
}

#[test]
fn text_is_utf8_with_or_without_its_mark_else_windows_1252() {
    assert!(matches!(decode(b"a,b"), Cow::Borrowed("a,b")));
    assert_eq!(decode(b"\xEF\xBB\xBFa,\xE2\x82\xAC1"), "a,€1");
    // Coinbase's `€`, and the rest of 0x80–0x9F, then Latin-1 above.
    assert_eq!(
        decode(b"\x801 caf\xE9 \x93q\x94 \x91s\x92 \x96 \x97 \x99 \x85"),
        "€1 café \u{201C}q\u{201D} \u{2018}s\u{2019} – — ™ …"
    );
    // The five bytes Windows-1252 leaves undefined stay Latin-1's controls.
    assert_eq!(
        decode(b"\x81\x8D\x8F\x90\x9D!\xFF"),
        "\u{81}\u{8D}\u{8F}\u{90}\u{9D}!ÿ"
    );
    // UTF-16 with its mark (Excel's "Unicode text"), both byte orders.
    assert_eq!(decode(b"\xFF\xFEa\x00\xAC\x20"), "a€");
    assert_eq!(decode(b"\xFE\xFF\x00a\x20\xAC"), "a€");
    assert_eq!(decode(b"\xFF\xFEa\x00b"), "a\u{FFFD}");
}

#[test]
fn a_windows_1252_file_is_read_with_its_euro_signs() {
    let file: &[u8] = b"ID,Timestamp,Transaction Type,Asset,Quantity Transacted,Price Currency,Price at Transaction,Subtotal,Total (inclusive of fees and/or spread),Fees and/or Spread,Notes\r\n\
x1,2024-08-04 06:30:32 UTC,Staking Income,ATOM,0.5,EUR,\x804.50,\x802.25,\x802.25,\x800.00,R\xE9compense de \x802.25\r\n";
    let (format, p) = parse(file, None).expect("a Coinbase file");
    assert_eq!(format, Format::Coinbase);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let x = &p.drafts[0];
    assert_eq!((x.kind, x.price), (TxKind::Income, Some(d("4.50"))));
    assert_eq!(x.note.as_deref(), Some("Récompense de €2.25"));
}

#[test]
fn numbers_carry_the_currency_signs_exports_put_beside_them() {
    for (text, value) in [
        ("€2.526483358", "2.526483358"),
        ("-€2.65064", "-2.65064"),
        ("$-5", "-5"),
        ("CA$1,234.50", "1234.50"),
        ("R$10", "10"),
        ("1.5 €", "1.5"),
        ("£0.10", "0.10"),
        ("+3", "3"),
    ] {
        assert_eq!(number(text), Some(d(value)), "{text}");
    }
    for bad in ["", "€", "1,5", "ABC$5", "--5", "5 BTC"] {
        assert_eq!(number(bad), None, "{bad}");
    }
}

#[test]
fn times_as_exports_write_them() {
    let at = |y, mo, d, h, mi, s| Utc.with_ymd_and_hms(y, mo, d, h, mi, s).single();
    assert_eq!(time("2025-11-08 20:22:48 UTC"), at(2025, 11, 8, 20, 22, 48));
    assert_eq!(time("2023-04-20T04:05:40Z"), at(2023, 4, 20, 4, 5, 40));
    assert_eq!(time("2023-04-20T06:05:40+02:00"), at(2023, 4, 20, 4, 5, 40));
    assert_eq!(time("2000-01-01 08:48:50"), at(2000, 1, 1, 8, 48, 50));
    assert_eq!(time("2024-01-05 12:00"), at(2024, 1, 5, 12, 0, 0));
    assert_eq!(time("2024-01-05"), at(2024, 1, 5, 0, 0, 0));
    // Binance's two-digit year is this century's, not the year 24.
    assert_eq!(time("24-01-05 12:00:00"), at(2024, 1, 5, 12, 0, 0));
    let fraction = time("2024-01-05 12:00:00.1234").expect("a time");
    assert_eq!(fraction.timestamp_subsec_micros(), 123_400);
    for bad in ["", "yesterday", "2024-13-01", "05/01/2024 12:00"] {
        assert_eq!(time(bad), None, "{bad}");
    }
}

#[test]
fn blank_lines_and_a_preamble_keep_every_rows_line() {
    let text = "\
\"Exported by an exchange, these lines first\"


\"txid\",\"refid\",\"time\",\"type\",\"subtype\",\"aclass\",\"asset\",\"amount\",\"fee\",\"balance\"

\"L1\",\"S1\",\"2024-01-07 00:00:00\",\"staking\",\"\",\"currency\",\"DOT.S\",1.25,0,1.25


\"L2\",\"S2\",\"2024-01-08 00:00:00\",\"staking\",\"\",\"currency\",\"DOT.S\",1.5,0,2.75
   
";
    assert_eq!(detect(text.as_bytes()), Ok(Some(Format::Kraken)));
    let (_, p) = read(text, None);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let lines: Vec<u64> = p.drafts.iter().map(|x| x.line).collect();
    assert_eq!(lines, [6, 9]);
}

#[test]
fn a_format_asked_for_by_its_exchange_reads_that_exchanges_other_files() {
    let trades = "txid,ordertxid,pair,time,type,ordertype,price,cost,fee,vol,margin,misc,ledgers\n\
T1,O1,XXBTZUSD,2024-01-05 12:00:00,buy,limit,43000,21500,34.4,0.5,0,,\n";
    let (format, _) = read(trades, Some(Format::Kraken));
    assert_eq!(format, Format::KrakenTrades);
    let statement = "User_ID,UTC_Time,Account,Operation,Coin,Change,Remark\n\
1,2024-01-05 12:00:00,Spot,Deposit,BTC,0.5,\n";
    let (format, _) = read(statement, Some(Format::Binance));
    assert_eq!(format, Format::BinanceStatement);
    // Another exchange's file is not found for it.
    assert!(parse(trades.as_bytes(), Some(Format::Coinbase)).is_err());
    for f in Format::ALL {
        assert_eq!(Format::parse(f.as_str()), Some(f));
    }
    assert_eq!(Format::parse("Kraken_Trades"), Some(Format::KrakenTrades));
    assert_eq!(Format::parse("mapped"), None);
}
